import { describeObjectStoreContract } from './object-store.contract.ts';
import { fsTestStores } from './test-stores.test-support.ts';

const fs = fsTestStores();
describeObjectStoreContract('filesystem', fs.make, { cleanup: fs.cleanup });
