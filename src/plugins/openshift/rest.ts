// placeholder
import type { StepRun } from '../../pipeline/plugin.ts';
export const restSteps: Record<string, StepRun> = {};
