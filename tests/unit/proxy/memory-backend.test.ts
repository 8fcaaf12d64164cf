import { MemoryBackend } from '../../../proxy/kv/memory-backend.js';
import { backendContract } from '../../helpers/backend-contract.js';

backendContract('memory', { open: async () => new MemoryBackend() });
