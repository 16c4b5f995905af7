import { describeObjectStoreContract } from './object-store.contract.ts';
import { MemoryObjectStore } from './memory-store.ts';

describeObjectStoreContract('memory', async () => new MemoryObjectStore());
