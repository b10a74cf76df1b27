// The app page: describe box and conversation, environments, builds and deployments.
import type { AppTemplate } from '../../git/app-templates.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { NotFoundError } from '../../shared/errors.js';
import { activityView, type ActivityView } from './activity-view.js';
import { branchPreviewViews, type BranchPreviewView } from './branch-preview-view.js';
import { environmentPanels, type EnvironmentPanelView } from './environment-panel-view.js';
import { generationList, type GenerationItemView } from './generation-list-view.js';

export interface AppPageView {
  app: { name: string; description: string; template: { name: string; title: string }; createdAt: string; cloneUrl: string };
  environments: EnvironmentPanelView[];
  branchPreviews: BranchPreviewView[];
  /** SLIPWAY_MAX_BRANCH_PREVIEWS > 0. */
  branchPreviewsOn: boolean;
  generations: GenerationItemView[];
  activity: ActivityView;
  /** The generation whose stream the page follows (asked for, or running). */
  following: GenerationItemView | null;
  canGenerate: boolean;
  running: boolean;
}

export async function appPageView(
  read: Pick<PipelineReads, 'config' | 'store' | 'health' | 'branchPreviews'>,
  templates: readonly AppTemplate[],
  name: string,
  follow: string | null,
): Promise<AppPageView> {
  const record = read.store.apps.get(name);
  if (!record) throw new NotFoundError(`no app named ${name}`);
  const [environments, branchPreviews, activity] = await Promise.all([environmentPanels(read, name), branchPreviewViews(read, name), activityView(read, name)]);
  const generations = generationList(read, name);
  const running = read.store.generations.running(name);
  const followId = follow ?? running?.id ?? null;
  let following = followId ? (generations.find((g) => g.id === followId) ?? null) : null;
  if (!following && followId) {
    // A fix follows in its request's stream; anything else named must belong to this app.
    const g = read.store.generations.get(followId);
    if (g && g.app === name) following = generations.find((x) => x.id === (g.parentId ?? '')) ?? null;
  }
  const template = templates.find((t) => t.name === record.template);
  return {
    app: {
      name,
      description: record.description,
      template: { name: record.template, title: template?.title ?? record.template },
      createdAt: record.createdAt,
      cloneUrl: `${read.config.publicUrl}/git/${name}.git`,
    },
    environments,
    branchPreviews,
    branchPreviewsOn: read.config.branchPreviews.max > 0,
    generations,
    activity,
    following,
    canGenerate: Boolean(read.config.codegen.apiKey),
    running: running !== undefined,
  };
}
