// What the use cases need, passed in by the composition root.
import type { Config } from '../config/load-config.js';
import type { AppTemplate } from '../git/app-templates.js';
import type { Logger } from '../shared/log.js';
import type { Store } from '../store/create-store.js';

export interface PipelineDeps {
  config: Config;
  store: Store;
  templates: readonly AppTemplate[];
  log: Logger;
}
