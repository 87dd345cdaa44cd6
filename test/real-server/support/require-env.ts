// Runs before every file of the real-server suite: without the binary and models the file
// fails to load with the message that says how to set them, so a missing server is never a skip.
import { realServerPaths } from './llama-server.js';

realServerPaths({ needNoSuppress: true });
