// What the plot plugin (the Plot plugin's `plot` step) keeps per job: a plot's configuration and
// its points, one record per csvFileName (Jenkins keeps a CSV file of that name in the job's
// directory: value, series label, build number, build date, URL per row). The plugin decides
// what a build adds and prunes (src/plugins/plot); the host only stores the record under its name
// and serializes the changes to one name (BuildServices.buildTools.plot).

/** One point: a series' value in one build, as the plugin's CSV rows keep it. */
export interface PlotPointRecord {
  /** The value as read ("12", "3.5"; XML values as Java's Double.toString: "3.0"). */
  value: string;
  /** The series label: a CSV column's header, a properties series' label, an XML node's name. */
  label: string;
  build: number;
  /** The build's start, ms since the epoch. */
  time: number;
  /** The point's link ('' when none): http(s) or a path, never another scheme. */
  url: string;
}

/** The plot as its last `plot` call configured it. */
export interface PlotConfig {
  csvFileName: string;
  title: string;
  group: string;
  yaxis: string;
  /** area, bar, bar3d, line, line3d, lineSimple, stackedArea, stackedBar, stackedBar3d, waterfall ('' : line). */
  style: string;
  /** Builds shown and kept, counted back from the newest ('' : all). */
  numBuilds: string;
  useDescr: boolean;
  keepRecords: boolean;
  exclZero: boolean;
  logarithmic: boolean;
  yaxisMinimum: string;
  yaxisMaximum: string;
  /** Whether a CSV series asked for its table (displayTableFlag). */
  displayTable: boolean;
}

export interface PlotRecord {
  config: PlotConfig;
  /** Oldest build first. */
  points: PlotPointRecord[];
}

/** csvFileName: a plain file name (the host keeps the record under it). */
export const PLOT_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,119}$/;
/** Points one plot keeps (the oldest builds' go first). */
export const MAX_PLOT_POINTS = 20_000;

/** What the plot step may ask of the host. */
export interface PlotService {
  /**
   * Changes the job's plot `name` (a PLOT_FILE_NAME) under a lock on that name: `change` gets
   * what is kept (null: nothing) and the build numbers the job still has (its newest 1000), and
   * returns what to keep.
   */
  update(name: string, change: (had: PlotRecord | null, builds: ReadonlySet<number>) => PlotRecord): Promise<void>;
}
