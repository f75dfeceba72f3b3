/**
 * A runner image named by the plan is pinned: a moving tag (`latest`) would let every task start
 * run a different runner than the one tested, and a restore years later a different one again.
 */
import { compliant, nonCompliant, notApplicable } from './check';
import { IPlanFileCheck, PlanFileContext } from './file-check';

export const runnerImagePinned: IPlanFileCheck = {
  id: 'runner-image-pinned',
  description: 'runner_image names a version tag or a digest, not latest.',
  evaluate({ file }: PlanFileContext) {
    const uri = file.runner_image;
    if (uri === undefined) return notApplicable();
    if (/:latest$/.test(uri)) {
      return nonCompliant(`runner_image: "${uri}" is not pinned — "latest" changes under running schedules; give the version tag you tested or a sha256 digest`);
    }
    return compliant();
  },
};
