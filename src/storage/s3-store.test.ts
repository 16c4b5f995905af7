import { describeObjectStoreContract } from './object-store.contract.ts';
import { s3TestStores } from './test-stores.test-support.ts';

const s3 = s3TestStores();
describeObjectStoreContract('S3 (s3rver over HTTP)', s3.make, { cleanup: s3.cleanup });
