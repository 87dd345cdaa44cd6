// A turn row from one model call's telemetry; the loop fills in what the command did. The
// mapping lives beside the telemetry code, so the recording proxy makes the same rows.

export { turnFromFailedCall, turnFromTelemetry } from '../../serving/client/turn-row.js';
