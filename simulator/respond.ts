import type { ServerResponse } from 'node:http';

// llama-server's HTTP library closes the connection after every error answer (4xx and 5xx),
// and keeps it alive after a success.
const closeOnError = (status: number): Record<string, string> => (status >= 400 ? { connection: 'close' } : {});

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...closeOnError(status) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...closeOnError(status) });
  res.end(text);
}
