// The core plugin's runtime: the implementation of each step it declares (index.ts), by name.
// Loaded by the step registry the first time one of these steps runs, never by validation.
import type { PluginRuntime } from '../plugin.ts';
import { run as ansiColor } from './ansiColor.ts';
import { run as archive } from './archive.ts';
import { run as archiveArtifacts } from './archiveArtifacts.ts';
import { run as fingerprint } from './fingerprint.ts';
import { run as bat } from './bat.ts';
import { run as build } from './build.ts';
import { run as catchError } from './catchError.ts';
import { run as checkout } from './checkout.ts';
import { run as cleanWs } from './cleanWs.ts';
import { run as deleteDir } from './deleteDir.ts';
import { run as dir } from './dir.ts';
import { run as echo } from './echo.ts';
import { run as error } from './error.ts';
import { run as fileExists } from './fileExists.ts';
import { run as git } from './git.ts';
import { run as input } from './input.ts';
import { run as isUnix } from './isUnix.ts';
import { run as junit } from './junit.ts';
import { run as load } from './load.ts';
import { run as lock } from './lock.ts';
import { run as milestone } from './milestone.ts';
import { run as node } from './node.ts';
import { run as parallel } from './parallel.ts';
import { powershell, pwsh } from './powershell.ts';
import { run as properties } from './properties.ts';
import { run as pwd } from './pwd.ts';
import { run as readFile } from './readFile.ts';
import { run as readJSON } from './readJSON.ts';
import { run as readTrusted } from './readTrusted.ts';
import { run as readYaml } from './readYaml.ts';
import { run as retry } from './retry.ts';
import { run as script } from './script.ts';
import { run as sh } from './sh.ts';
import { run as sleep } from './sleep.ts';
import { run as stage } from './stage.ts';
import { run as stash } from './stash.ts';
import { run as step } from './step.ts';
import { run as timeout } from './timeout.ts';
import { run as timestamps } from './timestamps.ts';
import { run as tool } from './tool.ts';
import { run as unstable } from './unstable.ts';
import { run as unstash } from './unstash.ts';
import { run as validateDeclarativePipeline } from './validateDeclarativePipeline.ts';
import { run as waitUntil } from './waitUntil.ts';
import { run as warnError } from './warnError.ts';
import { run as withCredentials } from './withCredentials.ts';
import { run as wrap } from './wrap.ts';
import { run as withEnv } from './withEnv.ts';
import { run as writeFile } from './writeFile.ts';
import { run as writeJSON } from './writeJSON.ts';
import { run as writeYaml } from './writeYaml.ts';
import { run as ws } from './ws.ts';

const runtime: PluginRuntime = {
  steps: {
    ansiColor, archive, archiveArtifacts, bat, build, catchError, checkout, cleanWs, deleteDir, dir, echo, error,
    fileExists, fingerprint, git, input, isUnix, junit, load, lock, milestone, node, parallel, powershell, properties, pwd, pwsh,
    readFile, readJSON, readTrusted, readYaml, retry, script, sh, sleep, stage, stash, step, timeout, timestamps, tool,
    unstable, unstash, validateDeclarativePipeline, waitUntil, warnError, withCredentials, withEnv, writeFile, writeJSON,
    wrap, writeYaml, ws,
  },
};

export default runtime;
