import { MemoryBackend } from '../../proxy/kv/memory-backend.js';
import { backendContract } from './backend-contract.js';

backendContract('memory', { open: async () => new MemoryBackend() });
