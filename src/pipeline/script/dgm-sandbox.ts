// Groovy's added methods (DefaultGroovyMethods, StringGroovyMethods, EncodingGroovyMethods: "DGM")
// that Jenkins' sandbox refuses. A script calling one in Jenkins gets script-security's
// RejectedAccessException, "Scripts not permitted to use staticMethod
// org.codehaus.groovy.runtime.DefaultGroovyMethods combinations java.util.Collection", naming the
// overload its sandbox selects; a method that does not exist at all stays a MissingMethodException.
//
// How Jenkins decides (SandboxInterceptor.onMethodCall): when the receiver's own Java class has no
// method for the call, it looks for a static method `name(receiver, args...)` in the DGM classes,
// in DefaultGroovyMethods, StringGroovyMethods and EncodingGroovyMethods (in that order): each class
// with an applicable overload gives its most specific one; the call runs if one of these picks is
// whitelisted, and is refused naming the first otherwise. (Groovy's arithmetic on a Number,
// Integer.plus..., passes without a check.) Kiln runs the methods its tables implement
// (methods-*.ts); when one of
// them (or the lack of one) would be a MissingMethodException, noSignature (methods-common.ts)
// asks refusal() here first.
//
// OVERLOADS is our table, derived from Groovy 2.4.21's DGM classes (their public static methods,
// by reflection) and script-security's generic-whitelist (+ generic-whitelist-groovy2): for every
// method name with at least one overload the whitelist does not allow, all its overloads whose
// receiver type a pipeline value can have (primitives too: the sandbox passes an Integer to long), as `<class><allowed><varargs><receiver> <params...>`:
// class D/S/E, `+` whitelisted / `-` not, `*` declared varargs; `~` stands for java.lang.,
// `^` for java.util., `@` for groovy.lang. Names whose overloads are all whitelisted are not listed:
// what Kiln lacks of those is a gap in Kiln, not a refusal.

const DGM_CLASS: Record<string, string> = {
  D: 'org.codehaus.groovy.runtime.DefaultGroovyMethods',
  S: 'org.codehaus.groovy.runtime.StringGroovyMethods',
  E: 'org.codehaus.groovy.runtime.EncodingGroovyMethods',
};

const OVERLOADS: Readonly<Record<string, string>> = {
  abs: 'D+~Number|D-~Double|D-~Float|D-~Long',
  addAll: 'D+^Collection ~Object[]|D-^Collection ~Iterable|D-^Collection ^Iterator|D-^List int ~Object[]',
  addShutdownHook: 'D-~Object @Closure',
  and: 'D+~Boolean ~Boolean|D-~Number ~Number',
  any: 'D+~Iterable @Closure|D+~Object @Closure|D+^Map @Closure|D-~Object',
  asCollection: 'D-~Iterable',
  asImmutable: 'D+^Map|D-^Collection|D-^List|D-^Set|D-^SortedSet',
  asList: 'D-~Iterable|D-^Collection',
  asSynchronized: 'D-^Collection|D-^List|D-^Map|D-^Set|D-^SortedSet',
  asType: 'D-@Closure ~Class|D-~CharSequence ~Class|D-~Iterable ~Class|D-~Number ~Class|D-~Object ~Class|D-~Object[] ~Class|D-~String ~Class|D-^Collection ~Class|D-^Map ~Class|S-~CharSequence ~Class|S-~String ~Class',
  capitalize: 'D+~String|D-~CharSequence|S+~CharSequence|S+~String',
  center: 'D-~CharSequence ~Number|D-~CharSequence ~Number ~CharSequence|D-~String ~Number|D-~String ~Number ~String|S+~CharSequence ~Number|S+~CharSequence ~Number ~CharSequence|S+~String ~Number|S+~String ~Number ~String',
  collect: 'D+~Object @Closure|D+^Collection|D+^Collection @Closure|D+^Collection ^Collection @Closure|D+^Map @Closure|D+^Map ^Collection @Closure|D-~Object|D-~Object ^Collection @Closure',
  collectAll: 'D-^Collection @Closure|D-^Collection ^Collection @Closure',
  collectEntries: 'D+~Iterable ^Map @Closure|D+~Object[] @Closure|D+~Object[] ^Map @Closure|D+^Collection @Closure|D+^Collection ^Map @Closure|D+^Map @Closure|D+^Map ^Map @Closure|D-~Iterable|D-~Iterable @Closure|D-~Iterable ^Map|D-~Object[]|D-~Object[] ^Map|D-^Collection|D-^Collection ^Map',
  collectNested: 'D+~Iterable ^Collection @Closure|D+^Collection @Closure|D+^Collection ^Collection @Closure|D-~Iterable @Closure',
  collectReplacements: 'S-~String @Closure',
  combinations: 'D+~Iterable @Closure|D-~Iterable|D-^Collection',
  compareTo: 'D-~Number ~Character|D-~Number ~Number',
  contains: 'D+~Iterable ~Object|D+~Object[] ~Object|D-~CharSequence ~CharSequence|D-~String ~String|S-~CharSequence ~CharSequence|S-~String ~String',
  containsAll: 'D+~Iterable ~Object[]|D-^Collection ~Object[]',
  count: 'D+~Iterable @Closure|D+~Object[] @Closure|D+~Object[] ~Object|D+~String ~String|D+^Collection @Closure|D+^Collection ~Object|D+^Map @Closure|D-~CharSequence ~CharSequence|D-~Iterable ~Object|S+~CharSequence ~CharSequence|S+~String ~String',
  decodeBase64: 'E-~String',
  decodeHex: 'E-~String',
  denormalize: 'D-~CharSequence|D-~String|S+~CharSequence|S+~String',
  disjoint: 'D+^Collection ^Collection|D-~Iterable ~Iterable',
  div: 'D-~Number ~Character',
  downto: 'D-double ~Number @Closure|D-float ~Number @Closure|D-~Double ~Number @Closure|D-~Float ~Number @Closure|D-~Long ~Number @Closure|D-~Number ~Number @Closure|D-java.math.BigDecimal ~Number @Closure|D-java.math.BigInteger ~Number @Closure|D-long ~Number @Closure',
  drop: 'D+~Iterable int|D+^List int|D-~CharSequence int|D-~Object[] int|D-^Map int|D-^SortedSet int|S+~CharSequence int',
  dropRight: 'D+~Iterable int|D+^List int|D-~Object[] int|D-^SortedSet int',
  dropWhile: 'D-~Iterable @Closure|D-~Object[] @Closure|D-^List @Closure|D-^Map @Closure|D-^SortedSet @Closure|S+~CharSequence @Closure',
  dump: 'D-~Object',
  eachCombination: 'D-~Iterable @Closure',
  eachLine: 'D+~CharSequence @Closure|D+~CharSequence int @Closure|D+~String @Closure|D+~String int @Closure|S-~CharSequence @Closure|S-~CharSequence int @Closure|S-~String @Closure|S-~String int @Closure',
  eachMatch: 'D-~CharSequence ~CharSequence @Closure|D-~CharSequence ^regex.Pattern @Closure|D-~String ~String @Closure|D-~String ^regex.Pattern @Closure|S+~String ~String @Closure|S+~String ^regex.Pattern @Closure|S-~CharSequence ~CharSequence @Closure|S-~CharSequence ^regex.Pattern @Closure',
  eachPermutation: 'D+^Collection @Closure|D-~Iterable @Closure',
  eachWithIndex: 'D+~Iterable @Closure|D+~Object @Closure|D+^List @Closure|D+^Map @Closure|D+^Set @Closure|D+^SortedSet @Closure|D-^Collection @Closure',
  equals: 'D-~Object[] ^List|D-^List ~Object[]|D-^List ^List|D-^Map ^Map|D-^Set ^Set',
  every: 'D+~Iterable @Closure|D+~Object @Closure|D+^Map @Closure|D-~Object',
  execute: 'D-~String|D-~String ~String[] java.io.File|D-~String ^List java.io.File|D-^List|D-^List ~String[] java.io.File|D-^List ^List java.io.File',
  expand: 'D-~CharSequence|D-~CharSequence int|D-~String|D-~String int|S+~CharSequence|S+~CharSequence int|S+~String|S+~String int',
  expandLine: 'D-~CharSequence int|D-~String int|S+~CharSequence int|S+~String int',
  find: 'D+~Object[] @Closure|D+^Collection @Closure|D+^Map @Closure|D-~CharSequence ~CharSequence|D-~CharSequence ~CharSequence @Closure|D-~CharSequence ^regex.Pattern|D-~CharSequence ^regex.Pattern @Closure|D-~Object|D-~Object @Closure|D-~String ~String|D-~String ~String @Closure|D-~String ^regex.Pattern|D-~String ^regex.Pattern @Closure|D-^Collection|S+~CharSequence ~CharSequence|S+~CharSequence ~CharSequence @Closure|S+~CharSequence ^regex.Pattern|S+~CharSequence ^regex.Pattern @Closure|S+~String ~String|S+~String ~String @Closure|S+~String ^regex.Pattern|S+~String ^regex.Pattern @Closure',
  findAll: 'D+~Object[] @Closure|D+^Collection @Closure|D+^List @Closure|D+^Map @Closure|D+^Set @Closure|D-~CharSequence ~CharSequence|D-~CharSequence ~CharSequence @Closure|D-~CharSequence ^regex.Pattern|D-~CharSequence ^regex.Pattern @Closure|D-~Object|D-~Object @Closure|D-~Object[]|D-~String ~String|D-~String ~String @Closure|D-~String ^regex.Pattern|D-~String ^regex.Pattern @Closure|D-^Collection|D-^List|D-^Set|S+~CharSequence ~CharSequence @Closure|S+~CharSequence ^regex.Pattern @Closure|S+~String ~String @Closure|S+~String ^regex.Pattern @Closure|S-~CharSequence ~CharSequence|S-~CharSequence ^regex.Pattern|S-~String ~String|S-~String ^regex.Pattern',
  findResult: 'D+^Collection @Closure|D+^Collection ~Object @Closure|D+^Map @Closure|D+^Map ~Object @Closure|D-~Object @Closure|D-~Object ~Object @Closure',
  findResults: 'D+^Collection @Closure|D+^Map @Closure|D-~Iterable @Closure',
  flatten: 'D+^Collection @Closure|D+^List|D-~Iterable|D-~Iterable @Closure|D-~Object[]|D-^Collection|D-^Set|D-^SortedSet',
  getAt: 'D+~Iterable int|D+~Object[] @IntRange|D+~Object[] @Range|D+~Object[] ^Collection|D+~String @IntRange|D+~String @Range|D+~String int|D+~String ^Collection|D+^List @Range|D+^List int|D+^List ^Collection|D+^Map ~Object|D+^regex.Matcher int|D-~CharSequence @EmptyRange|D-~CharSequence @IntRange|D-~CharSequence @Range|D-~CharSequence int|D-~CharSequence ^Collection|D-~Object ~String|D-~Object[] @EmptyRange|D-~Object[] @ObjectRange|D-~String @EmptyRange|D-^Collection ~String|D-^List @EmptyRange|D-^regex.Matcher ^Collection|S-~CharSequence @EmptyRange|S-~CharSequence @IntRange|S-~CharSequence @Range|S-~CharSequence int|S-~CharSequence ^Collection|S-~String @EmptyRange|S-~String @IntRange|S-~String @Range|S-~String int|S-~String ^Collection|S-^regex.Matcher int|S-^regex.Matcher ^Collection',
  getChars: 'D+~String|D-~CharSequence|S-~CharSequence|S-~String',
  getCount: 'D-^regex.Matcher|S-^regex.Matcher',
  getIndices: 'D-~Object[]|D-^Collection',
  getMetaClass: 'D-~Object',
  getMetaPropertyValues: 'D-~Object',
  getProperties: 'D-~Object',
  grep: 'D-~Object|D-~Object ~Object|D-~Object[]|D-~Object[] ~Object|D-^Collection|D-^Collection ~Object|D-^List|D-^List ~Object|D-^Set|D-^Set ~Object',
  groupBy: 'D+*~Iterable ~Object[]|D+*~Object[] ~Object[]|D+*^Collection ~Object[]|D+*^Map ~Object[]|D+~Iterable @Closure|D+~Object[] @Closure|D+^Collection @Closure|D+^Map @Closure|D-~Iterable ^List|D-~Object[] ^List|D-^Collection ^List|D-^Map ^List',
  hasGroup: 'D-^regex.Matcher|S-^regex.Matcher',
  hasProperty: 'D-~Object ~String',
  head: 'D-~Iterable|D-~Object[]|D-^List',
  identity: 'D-~Object @Closure',
  implies: 'D-~Boolean ~Boolean',
  indexed: 'D-~Iterable|D-~Iterable int',
  init: 'D-~Iterable|D-~Object[]|D-^List|D-^SortedSet',
  inspect: 'D-~Object',
  intdiv: 'D-~Number ~Character|D-~Number ~Number',
  intersect: 'D+^Set ~Iterable|D-~Iterable ~Iterable|D-^Collection ^Collection|D-^List ~Iterable|D-^Map ^Map|D-^SortedSet ~Iterable',
  invokeMethod: 'D-~Object ~String ~Object',
  is: 'D-~Object ~Object',
  isAllWhitespace: 'D-~CharSequence|D-~String|S+~CharSequence|S+~String',
  isBigDecimal: 'D-~CharSequence|D-~String|S-~CharSequence|S-~String',
  isBigInteger: 'D-~CharSequence|D-~String|S-~CharSequence|S-~String',
  isCase: 'D+^Collection ~Object|D-~CharSequence ~Object|D-~Number ~Number|D-~Object ~Object|D-~String ~Object|D-^Map ~Object|S-~CharSequence ~Object|S-~String ~Object',
  isDouble: 'D-~CharSequence|D-~String|S+~CharSequence|S+~String',
  isFloat: 'D-~CharSequence|D-~String|S+~CharSequence|S+~String',
  isInteger: 'D+~String|D-~CharSequence|S+~CharSequence|S+~String',
  isLong: 'D-~CharSequence|D-~String|S+~CharSequence|S+~String',
  isNumber: 'D+~String|D-~CharSequence|S-~CharSequence|S-~String',
  iterator: 'D+~Object|D-~Object[]|D-^regex.Matcher|S-^regex.Matcher',
  leftShift: 'D+~String ~Object|D+^Collection ~Object|D+^List ~Object|D+^Map ^Map|D+^Set ~Object|D-~CharSequence ~Object|D-~Number ~Number|D-^Map ^Map$Entry|D-^SortedSet ~Object|S-~CharSequence ~Object|S-~String ~Object',
  matches: 'D-~CharSequence ^regex.Pattern|D-~String ^regex.Pattern|S-~CharSequence ^regex.Pattern|S-~String ^regex.Pattern',
  matchesPartially: 'S-^regex.Matcher',
  max: 'D+~Iterable @Closure|D+~Object[] @Closure|D+^Collection @Closure|D+^Map @Closure|D-~Iterable|D-~Iterable ^Comparator|D-~Object[]|D-~Object[] ^Comparator|D-^Collection|D-^Collection ^Comparator',
  metaClass: 'D-~Object @Closure',
  min: 'D+~Iterable @Closure|D+~Object[] @Closure|D+^Collection @Closure|D+^Map @Closure|D-~Iterable|D-~Iterable ^Comparator|D-~Object[]|D-~Object[] ^Comparator|D-^Collection|D-^Collection ^Comparator',
  minus: 'D+~Iterable ~Iterable|D+~Iterable ~Object|D+~Number ~Character|D+~Object[] ~Iterable|D+~Object[] ~Object|D+~Object[] ~Object[]|D+~String ~Object|D+^Collection ^Collection|D+^List ~Iterable|D+^List ~Object|D+^List ^Collection|D+^Map ^Map|D+^Set ~Iterable|D+^Set ~Object|D+^Set ^Collection|D+^SortedSet ~Iterable|D+^SortedSet ~Object|D+^SortedSet ^Collection|D-~CharSequence ~Object|S+~CharSequence ~Object|S+~CharSequence ^regex.Pattern|S+~String ~Object|S+~String ^regex.Pattern',
  mod: 'D-~Number ~Number',
  multiply: 'D+~String ~Number|D-~CharSequence ~Number|D-~Iterable ~Number|D-~Number ~Character|D-java.math.BigDecimal ~Double|D-java.math.BigDecimal java.math.BigInteger|D-^Collection ~Number|D-^List ~Number|S+~CharSequence ~Number|S+~String ~Number',
  normalize: 'D-~CharSequence|D-~String|S+~CharSequence|S+~String',
  numberAwareCompareTo: 'D-~Comparable ~Comparable',
  or: 'D+~Boolean ~Boolean|D-~Number ~Number',
  permutations: 'D+^List|D+^List @Closure|D-~Iterable|D-~Iterable @Closure',
  plus: 'D+~CharSequence ~Object|D+~Iterable ~Iterable|D+~Iterable ~Object|D+~Number ~Character|D+~Number ~String|D+~Object[] ~Iterable|D+~Object[] ~Object|D+~Object[] ~Object[]|D+~Object[] ^Collection|D+~String ~Object|D+^Collection ~Iterable|D+^Collection ~Object|D+^Collection ^Collection|D+^List int ~Iterable|D+^List int ~Object[]|D+^List int ^List|D+^List ~Iterable|D+^List ~Object|D+^List ^Collection|D+^Map ^Collection|D+^Map ^Map|D+^Set ~Iterable|D+^Set ~Object|D+^Set ^Collection|D+^SortedSet ~Iterable|D+^SortedSet ~Object|D+^SortedSet ^Collection|S-~CharSequence ~Object|S-~Number ~String|S-~String ~CharSequence|S-~String ~Object',
  power: 'D+~Integer ~Integer|D+~Long ~Integer|D+~Number ~Number|D+java.math.BigDecimal ~Integer|D+java.math.BigInteger ~Integer|D-java.math.BigInteger java.math.BigInteger',
  print: 'D-@Closure ~Object|D-~Object java.io.PrintWriter|D-~Object ~Object',
  printf: 'D-~Object ~String ~Object|D-~Object ~String ~Object[]',
  println: 'D-@Closure|D-@Closure ~Object|D-~Object|D-~Object java.io.PrintWriter|D-~Object ~Object',
  putAt: 'D+^List int ~Object|D+^Map ~Object ~Object|D-~Object ~String ~Object|D-^List @EmptyRange ~Object|D-^List @EmptyRange ^Collection|D-^List @IntRange ~Object|D-^List @IntRange ^Collection|D-^List ^List ~Object|D-^List ^List ^List',
  readLines: 'D-~CharSequence|D-~String|S+~CharSequence|S+~String',
  removeAll: 'D+^Collection @Closure|D-^Collection ~Object[]',
  removeAt: 'D-^List int',
  removeElement: 'D-^Collection ~Object',
  replaceAll: 'D-~CharSequence ~CharSequence @Closure|D-~CharSequence ~CharSequence ~CharSequence|D-~CharSequence ^regex.Pattern @Closure|D-~CharSequence ^regex.Pattern ~CharSequence|D-~String ~String @Closure|D-~String ^regex.Pattern @Closure|D-~String ^regex.Pattern ~String|S+~CharSequence ~CharSequence @Closure|S+~CharSequence ^regex.Pattern @Closure|S+~CharSequence ^regex.Pattern ~CharSequence|S+~String ~String @Closure|S+~String ^regex.Pattern @Closure|S+~String ^regex.Pattern ~String|S-~CharSequence ~CharSequence ~CharSequence',
  replaceFirst: 'D-~CharSequence ~CharSequence @Closure|D-~CharSequence ~CharSequence ~CharSequence|D-~CharSequence ^regex.Pattern @Closure|D-~CharSequence ^regex.Pattern ~CharSequence|D-~String ~String @Closure|D-~String ^regex.Pattern @Closure|D-~String ^regex.Pattern ~String|S+~CharSequence ~CharSequence @Closure|S+~CharSequence ^regex.Pattern @Closure|S+~String ~String @Closure|S+~String ^regex.Pattern @Closure|S-~CharSequence ~CharSequence ~CharSequence|S-~CharSequence ^regex.Pattern ~CharSequence|S-~String ^regex.Pattern ~String',
  respondsTo: 'D-~Object ~String|D-~Object ~String ~Object[]',
  retainAll: 'D+^Collection @Closure|D-^Collection ~Object[]',
  reverse: 'D+^List|D-~CharSequence|D-~Object[]|D-~Object[] boolean|D-~String|D-^List boolean|S+~String|S-~CharSequence',
  rightShift: 'D-~Number ~Number',
  rightShiftUnsigned: 'D-~Number ~Number',
  round: 'D-~Double|D-~Double int|D-~Float|D-~Float int',
  setIndex: 'D-^regex.Matcher int|S-^regex.Matcher int',
  setMetaClass: 'D-~Object @MetaClass',
  size: 'D+~Object[]|D+~String|D-~CharSequence|D-~Iterable|D-^regex.Matcher|S-~CharSequence|S-~String|S-^regex.Matcher',
  sort: 'D+~Iterable|D+~Iterable boolean|D+~Iterable boolean @Closure|D+~Iterable boolean ^Comparator|D+~Iterable @Closure|D+~Object[]|D+~Object[] boolean|D+~Object[] boolean @Closure|D+~Object[] boolean ^Comparator|D+~Object[] @Closure|D+~Object[] ^Comparator|D+^Collection|D+^Collection @Closure|D+^Collection ^Comparator|D+^Map|D+^Map @Closure|D+^Map ^Comparator|D-^Collection boolean|D-^Collection boolean @Closure|D-^Collection boolean ^Comparator|D-^SortedSet',
  split: 'D+~String|D+^Collection @Closure|D+^List @Closure|D+^Set @Closure|D-~CharSequence|D-~Object @Closure|S-~CharSequence|S-~String',
  splitEachLine: 'D+~String ~String @Closure|D+~String ^regex.Pattern @Closure|D-~CharSequence ~CharSequence @Closure|D-~CharSequence ^regex.Pattern @Closure|S-~CharSequence ~CharSequence @Closure|S-~CharSequence ^regex.Pattern @Closure|S-~String ~String @Closure|S-~String ^regex.Pattern @Closure',
  spread: 'D-^Map',
  sprintf: 'D-~Object ~String ~Object|D-~Object ~String ~Object[]',
  step: 'D-~Number ~Number ~Number @Closure',
  stripIndent: 'D+~String|D+~String int|D-~CharSequence|D-~CharSequence int|S-~CharSequence|S-~CharSequence int|S-~String|S-~String int',
  stripMargin: 'D+~String|D+~String ~String|D-~CharSequence|D-~CharSequence char|D-~CharSequence ~CharSequence|D-~String char|S-~CharSequence|S-~CharSequence char|S-~CharSequence ~CharSequence|S-~String|S-~String char|S-~String ~String',
  subsequences: 'D-^List',
  sum: 'D+~Object[] @Closure|D+~Object[] ~Object @Closure|D+^Collection|D+^Collection @Closure|D+^Collection ~Object @Closure|D-~Iterable|D-~Iterable @Closure|D-~Iterable ~Object|D-~Iterable ~Object @Closure|D-~Object[]|D-~Object[] ~Object|D-^Collection ~Object',
  swap: 'D-~Object[] int int|D-^List int int',
  tail: 'D+^List|D-~Iterable|D-~Object[]|D-^SortedSet',
  take: 'D+~CharSequence int|D+~Iterable int|D+^List int|D-~Object[] int|D-^Map int|D-^SortedSet int|S-~CharSequence int',
  takeRight: 'D+~Iterable int|D+^List int|D-~Object[] int|D-^SortedSet int',
  takeWhile: 'D-~Iterable @Closure|D-~Object[] @Closure|D-^List @Closure|D-^Map @Closure|D-^SortedSet @Closure|S+~CharSequence @Closure',
  toArrayString: 'D-~Object[]',
  toBigDecimal: 'D-~CharSequence|D-~Number|D-~String|S-~CharSequence|S-~String',
  toBigInteger: 'D-~CharSequence|D-~Number|D-~String|S-~CharSequence|S-~String',
  toCharacter: 'D-~String|S-~String',
  toDouble: 'D+~String|D-~CharSequence|D-~Number|S+~CharSequence|S+~String',
  toFloat: 'D+~String|D-~CharSequence|D-~Number|S-~CharSequence|S-~String',
  toInteger: 'D+~Number|D+~String|D-~CharSequence|S+~CharSequence|S+~String',
  toList: 'D+~Iterable|D+~Object[]|D+~String|D+^Collection|D-~CharSequence|S-~CharSequence|S-~String',
  toLong: 'D+~String|D-~CharSequence|D-~Number|S-~CharSequence|S-~String',
  toSet: 'D+^Collection|D-~CharSequence|D-~Iterable|D-~String|S-~CharSequence|S-~String',
  toShort: 'D-~CharSequence|D-~String|S-~CharSequence|S-~String',
  toSpreadMap: 'D-~Iterable|D-~Object[]|D-^List|D-^Map',
  toString: 'D-~Object|D-~Object[]',
  toURI: 'D-~CharSequence|D-~String',
  toURL: 'D-~CharSequence|D-~String',
  toUnique: 'D-~Iterable|D-~Iterable @Closure|D-~Iterable ^Comparator|D-~Object[]|D-~Object[] @Closure|D-~Object[] ^Comparator|D-^List|D-^List @Closure|D-^List ^Comparator',
  tokenize: 'D+~String|D+~String ~Character|D+~String ~String|D-~CharSequence|D-~CharSequence ~CharSequence|D-~CharSequence ~Character|S-~CharSequence|S-~CharSequence ~CharSequence|S-~CharSequence ~Character|S-~String|S-~String ~Character|S-~String ~String',
  tr: 'D-~CharSequence ~CharSequence ~CharSequence|D-~String ~String ~String|S+~CharSequence ~CharSequence ~CharSequence|S-~String ~String ~String',
  trunc: 'D-~Double|D-~Double int|D-~Float|D-~Float int',
  unaryMinus: 'D-~Number',
  unaryPlus: 'D-~Number',
  uncapitalize: 'S-~CharSequence',
  unexpand: 'D-~CharSequence|D-~CharSequence int|D-~String|D-~String int|S+~CharSequence|S+~CharSequence int|S-~String|S-~String int',
  unexpandLine: 'D-~CharSequence int|D-~String int|S+~CharSequence int|S-~String int',
  upto: 'D-double ~Number @Closure|D-float ~Number @Closure|D-~Double ~Number @Closure|D-~Float ~Number @Closure|D-~Long ~Number @Closure|D-~Number ~Number @Closure|D-java.math.BigDecimal ~Number @Closure|D-java.math.BigInteger ~Number @Closure|D-long ~Number @Closure',
  use: 'D-~Object ~Class @Closure|D-~Object ~Object[]|D-~Object ^List @Closure',
  withEagerDefault: 'D-^List @Closure',
  withIndex: 'D-~Iterable|D-~Iterable int',
  withTraits: 'D-*~Object ~Class[]',
  xor: 'D+~Boolean ~Boolean|D-~Number ~Number',
};

interface Overload {
  cls: string;
  allowed: boolean;
  /** declared varargs (`Object... values`): the sandbox passes it the remaining arguments one by one, too */
  varargs: boolean;
  /** receiver type first, then the parameters' types, as Java names them (`java.lang.Object[]`). */
  types: string[];
}

const parsed = new Map<string, Overload[]>();

function expand(t: string): string {
  return t.replace(/^~/, 'java.lang.').replace(/^\^/, 'java.util.').replace(/^@/, 'groovy.lang.');
}

function overloads(name: string): Overload[] | undefined {
  if (!Object.hasOwn(OVERLOADS, name)) return undefined;
  let list = parsed.get(name);
  if (list === undefined) {
    list = OVERLOADS[name]!.split('|').map((o) => {
      const varargs = o[2] === '*';
      return { cls: DGM_CLASS[o[0]!]!, allowed: o[1] === '+', varargs, types: o.slice(varargs ? 3 : 2).split(' ').map(expand) };
    });
    parsed.set(name, list);
  }
  return list;
}

/**
 * The Java types a value of a class is assignable to, nearest first, as far as DGM's receiver and
 * parameter types go. A class Kiln has no chain for (a host object, the script) gets none: no
 * refusal is guessed for it.
 */
const CHAINS: Readonly<Record<string, readonly string[]>> = {
  'java.lang.String': ['java.lang.String', 'java.lang.CharSequence', 'java.lang.Comparable', 'java.lang.Object'],
  'java.lang.Integer': ['java.lang.Integer', 'java.lang.Number', 'java.lang.Comparable', 'java.lang.Object'],
  'java.lang.Long': ['java.lang.Long', 'java.lang.Number', 'java.lang.Comparable', 'java.lang.Object'],
  'java.lang.Double': ['java.lang.Double', 'java.lang.Number', 'java.lang.Comparable', 'java.lang.Object'],
  'java.lang.Float': ['java.lang.Float', 'java.lang.Number', 'java.lang.Comparable', 'java.lang.Object'],
  'java.math.BigDecimal': ['java.math.BigDecimal', 'java.lang.Number', 'java.lang.Comparable', 'java.lang.Object'],
  'java.math.BigInteger': ['java.math.BigInteger', 'java.lang.Number', 'java.lang.Comparable', 'java.lang.Object'],
  'java.lang.Boolean': ['java.lang.Boolean', 'java.lang.Comparable', 'java.lang.Object'],
  'java.util.ArrayList': ['java.util.ArrayList', 'java.util.List', 'java.util.Collection', 'java.lang.Iterable', 'java.lang.Object'],
  'groovy.lang.IntRange': ['groovy.lang.IntRange', 'groovy.lang.Range', 'java.util.List', 'java.util.Collection', 'java.lang.Iterable', 'java.lang.Object'],
  'java.util.LinkedHashSet': ['java.util.LinkedHashSet', 'java.util.HashSet', 'java.util.Set', 'java.util.Collection', 'java.lang.Iterable', 'java.lang.Object'],
  'java.util.HashSet': ['java.util.HashSet', 'java.util.Set', 'java.util.Collection', 'java.lang.Iterable', 'java.lang.Object'],
  'java.util.TreeSet': ['java.util.TreeSet', 'java.util.SortedSet', 'java.util.Set', 'java.util.Collection', 'java.lang.Iterable', 'java.lang.Object'],
  'java.util.LinkedHashMap': ['java.util.LinkedHashMap', 'java.util.HashMap', 'java.util.Map', 'java.lang.Object'],
  'groovy.lang.Closure': ['groovy.lang.Closure', 'java.lang.Object'],
  'java.util.regex.Matcher': ['java.util.regex.Matcher', 'java.lang.Object'],
  'java.lang.Object[]': ['java.lang.Object[]', 'java.lang.Object'],
};

/** A primitive parameter and the boxed classes the sandbox lets through to it (Long to int: a safe narrowing). */
const PRIMITIVES: Readonly<Record<string, readonly string[]>> = {
  int: ['java.lang.Integer', 'java.lang.Long'],
  long: ['java.lang.Long', 'java.lang.Integer'],
  double: ['java.lang.Double'],
  float: ['java.lang.Float'],
  boolean: ['java.lang.Boolean'],
  char: ['java.lang.Character'],
};
const BOXED: Readonly<Record<string, string>> = {
  int: 'java.lang.Integer', long: 'java.lang.Long', double: 'java.lang.Double', float: 'java.lang.Float', boolean: 'java.lang.Boolean', char: 'java.lang.Character',
  byte: 'java.lang.Byte', short: 'java.lang.Short',
};

/** The type chain of a value's class: `cls` as javaClassOf names it; Java arrays (String[]) as Object[]. */
export function typeChain(cls: string): readonly string[] | null {
  if (cls.endsWith('[]')) return cls === 'java.lang.Object[]' ? CHAINS['java.lang.Object[]']! : [cls, ...CHAINS['java.lang.Object[]']!];
  return Object.hasOwn(CHAINS, cls) ? CHAINS[cls]! : null;
}

/** An argument as refusal() takes it: its class (null for null) and type chain. */
export interface ArgType {
  cls: string | null;
  chain: readonly string[] | null;
}

/** Whether an argument may be passed to a parameter (GroovyCallSiteSelector.matches: isInstance, boxing). */
function accepts(param: string, arg: ArgType): boolean {
  const prim = PRIMITIVES[param];
  if (arg.cls === null) return prim === undefined && !Object.hasOwn(BOXED, param);
  if (arg.chain === null) return false;
  if (prim !== undefined) return prim.includes(arg.chain[0]!);
  return arg.chain.includes(param);
}

function applies(o: Overload, self: ArgType, args: readonly ArgType[]): boolean {
  const params = o.types;
  let all = [self, ...args];
  if (o.varargs) {
    const fixed = params.length - 1;
    if (all.length < fixed) return false;
    // one array argument for the array parameter, or the remaining arguments as its elements
    if (!(all.length === params.length && accepts(params[fixed]!, all[fixed]!))) {
      const component = params[fixed]!.slice(0, -2);
      if (!all.slice(fixed).every((a) => accepts(component, a))) return false;
      all = all.slice(0, fixed);
      return all.every((a, i) => accepts(params[i]!, a));
    }
  }
  return all.length === params.length && all.every((a, i) => accepts(params[i]!, a));
}

/** Whether a parameter type is assignable from another (both as DGM names them, primitives boxed). */
function assignable(to: string, from: string): boolean {
  if (to === from || to === 'java.lang.Object') return true;
  const chain = typeChain(from) ?? SUPERS[from];
  return chain !== undefined && chain.includes(to);
}

/** The supertypes of DGM's interface and abstract parameter types, for assignable(). */
const SUPERS: Readonly<Record<string, readonly string[]>> = {
  'java.util.List': ['java.util.Collection', 'java.lang.Iterable', 'java.lang.Object'],
  'java.util.Set': ['java.util.Collection', 'java.lang.Iterable', 'java.lang.Object'],
  'java.util.SortedSet': ['java.util.Set', 'java.util.Collection', 'java.lang.Iterable', 'java.lang.Object'],
  'java.util.Collection': ['java.lang.Iterable', 'java.lang.Object'],
  'groovy.lang.Range': ['java.util.List', 'java.util.Collection', 'java.lang.Iterable', 'java.lang.Object'],
  'java.util.SortedMap': ['java.util.Map', 'java.lang.Object'],
};

/**
 * GroovyCallSiteSelector.isMoreSpecific: the first parameter (the receiver's included) where one
 * type is assignable from the other decides; Integer is more specific than Long.
 */
function moreSpecific(more: Overload, less: Overload): boolean {
  if (more.types.length !== less.types.length) return false;
  for (let i = 0; i < more.types.length; i++) {
    const m = BOXED[more.types[i]!] ?? more.types[i]!;
    const l = BOXED[less.types[i]!] ?? less.types[i]!;
    if (assignable(m, l)) return false;
    if (assignable(l, m)) return true;
    if (m === 'java.lang.Long' && l === 'java.lang.Integer') return false;
    if (m === 'java.lang.Integer' && l === 'java.lang.Long') return true;
  }
  return false;
}

/** The sandbox's names of Groovy's arithmetic on numbers (NUMBER_MATH_NAMES): never refused on a Number. */
const NUMBER_MATH = new Set(['plus', 'minus', 'multiply', 'div', 'compareTo', 'or', 'and', 'xor', 'intdiv', 'mod', 'leftShift', 'rightShift', 'rightShiftUnsigned']);

/**
 * The sandbox's signature for `self.name(args)` when no DGM class's most specific overload for the
 * call is one the whitelist allows: the first class's (DefaultGroovyMethods, then
 * StringGroovyMethods, then EncodingGroovyMethods), as `staticMethod
 * org.codehaus.groovy.runtime.DefaultGroovyMethods combinations java.util.Collection`; null when no
 * DGM overload applies or one that does is allowed.
 */
export function refusal(self: readonly string[], name: string, args: readonly ArgType[]): string | null {
  // Groovy's arithmetic on numbers (Integer.plus(Integer)...) is no Java method: the sandbox lets it through
  if (self.includes('java.lang.Number') && NUMBER_MATH.has(name)) return null;
  const list = overloads(name);
  if (list === undefined || self.length === 0) return null;
  const receiver: ArgType = { cls: self[0]!, chain: self };
  let first: Overload | null = null;
  for (const cls of [DGM_CLASS.D, DGM_CLASS.S, DGM_CLASS.E]) {
    let best: Overload | null = null;
    for (const o of list) {
      if (o.cls === cls && applies(o, receiver, args) && (best === null || moreSpecific(o, best))) best = o;
    }
    if (best === null) continue;
    // one class's pick being allowed is enough (Groovy 2.4 keeps deprecated String methods in
    // DefaultGroovyMethods that the whitelist lists only in StringGroovyMethods: center)
    if (best.allowed) return null;
    first ??= best;
  }
  return first === null ? null : `staticMethod ${first.cls} ${name} ${first.types.join(' ')}`;
}
