// The one list of steps Kiln knows. Validation, the engine and `kiln lint --list-steps` read it.
import type { Step } from './types.ts';
import archiveArtifacts from './archiveArtifacts.ts';
import bat from './bat.ts';
import build from './build.ts';
import catchError from './catchError.ts';
import checkout from './checkout.ts';
import cleanWs from './cleanWs.ts';
import container from './container.ts';
import deleteDir from './deleteDir.ts';
import dir from './dir.ts';
import echo from './echo.ts';
import error from './error.ts';
import fileExists from './fileExists.ts';
import git from './git.ts';
import input from './input.ts';
import isUnix from './isUnix.ts';
import junit from './junit.ts';
import kubernetesApply from './kubernetesApply.ts';
import lock from './lock.ts';
import milestone from './milestone.ts';
import node from './node.ts';
import parallel from './parallel.ts';
import podTemplate from './podTemplate.ts';
import { powershell, pwsh } from './powershell.ts';
import pwd from './pwd.ts';
import readFile from './readFile.ts';
import readJSON from './readJSON.ts';
import readYaml from './readYaml.ts';
import retry from './retry.ts';
import script from './script.ts';
import sh from './sh.ts';
import sleep from './sleep.ts';
import stage from './stage.ts';
import stash from './stash.ts';
import timeout from './timeout.ts';
import timestamps from './timestamps.ts';
import tool from './tool.ts';
import unstable from './unstable.ts';
import unstash from './unstash.ts';
import waitUntil from './waitUntil.ts';
import warnError from './warnError.ts';
import withCredentials from './withCredentials.ts';
import withDockerContainer from './withDockerContainer.ts';
import withDockerRegistry from './withDockerRegistry.ts';
import withEnv from './withEnv.ts';
import withKubeConfig from './withKubeConfig.ts';
import writeFile from './writeFile.ts';
import writeJSON from './writeJSON.ts';
import writeYaml from './writeYaml.ts';
import { symbols } from './symbols.ts';

const all: Step[] = [
  archiveArtifacts, bat, build, catchError, checkout, cleanWs, container, deleteDir, dir, echo, error, fileExists, git, input,
  isUnix, junit, kubernetesApply, lock, milestone, node, parallel, podTemplate, powershell, pwd, pwsh, readFile, readJSON, readYaml, retry, script, sh, sleep, stage, stash,
  timeout, timestamps, tool, unstable, unstash, waitUntil, warnError, withCredentials, withDockerContainer, withDockerRegistry, withEnv, withKubeConfig, writeFile, writeJSON, writeYaml,
  ...symbols,
];

const byName = new Map<string, Step>(all.map((s) => [s.name, s]));

/** The step (or symbol) of that name, or undefined. */
export function getStep(name: string): Step | undefined {
  return byName.get(name);
}

/** Every step and symbol, sorted by name. */
export function allSteps(): readonly Step[] {
  return [...all].sort((a, b) => a.name.localeCompare(b.name));
}

/** Names of real steps (not symbols), for "did you mean" suggestions. */
export function stepNames(): string[] {
  return all.filter((s) => s.kind !== 'symbol').map((s) => s.name);
}
