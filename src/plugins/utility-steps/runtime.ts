// The Pipeline Utility Steps plugin's runtime: its steps' implementations, loaded by the step
// registry the first time a build uses one (never by validation). index.ts declares them.
import type { PluginRuntime } from '../../pipeline/plugin.ts';
import { findFiles, md5, prependToFile, sha1, sha256, touch, verifyMd5, verifySha1, verifySha256 } from './fs.ts';
import { readProperties } from './properties.ts';
import { readMavenPom, writeMavenPom } from './maven.ts';
import { tar, untar, unzip, zip } from './archives.ts';
import { readCSV, readManifest, writeCSV } from './csv-manifest.ts';
import { compareVersionsStep } from './versions.ts';

const runtime: PluginRuntime = {
  steps: { readProperties, findFiles, readMavenPom, writeMavenPom, zip, unzip, tar, untar, readCSV, writeCSV, sha1, sha256, md5, touch, readManifest, verifySha1, verifySha256, verifyMd5, prependToFile, compareVersions: compareVersionsStep },
};

export default runtime;
