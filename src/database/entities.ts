// Every entity, for the migration CLI (`migration:generate` diffs them against the database).
// The app itself registers entities through each module's TypeOrmModule.forFeature.
import { KeyValueEntity } from '../common/settings/key-value.entity.js';

export const entities: Function[] = [KeyValueEntity];
