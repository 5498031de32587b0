// decl.ts: the xUnit plugin's tools as data (their pipeline symbols, [$class: ...] names, the
// names the plugin's messages use), shared by the declarations (index.ts, which lint loads) and
// the runtime (runtime.ts, formats.ts) without loading the readers.

export const TOOLS = [
  { symbol: 'JUnit', className: 'JUnitType', label: 'JUnit', doc: 'JUnit XML reports' },
  { symbol: 'GoogleTest', className: 'GoogleTestType', label: 'GoogleTest', doc: "Google Test's --gtest_output=xml reports" },
  { symbol: 'CTest', className: 'CTestType', label: 'CTest', doc: 'the Test.xml of `ctest -T Test` (Testing/*/Test.xml)' },
  { symbol: 'BoostTest', className: 'BoostTestJunitHudsonTestType', label: 'BoostTest', doc: "Boost.Test's XML log (--log_format=XML)" },
  { symbol: 'NUnit2', className: 'NUnitJunitHudsonTestType', label: 'NUnit', doc: 'NUnit 2 <test-results> reports' },
  { symbol: 'NUnit3', className: 'NUnit3TestType', label: 'NUnit3', doc: 'NUnit 3 <test-run> reports' },
  { symbol: 'MSTest', className: 'MSTestJunitHudsonTestType', label: 'MSTest', doc: 'Visual Studio .trx files' },
  { symbol: 'Check', className: 'CheckType', label: 'Check', doc: "libcheck's XML logs" },
  { symbol: 'CppUnit', className: 'CppUnitJunitHudsonTestType', label: 'CppUnit', doc: "CppUnit's XmlOutputter reports" },
  { symbol: 'QtTest', className: 'QTestLibType', label: 'QTestLib', doc: "QTestLib's -o file,xml reports" },
  { symbol: 'PHPUnit', className: 'PHPUnitJunitHudsonTestType', label: 'PHPUnit', doc: "PHPUnit's --log-junit reports" },
  { symbol: 'xUnitDotNet', className: 'XUnitDotNetTestType', label: 'xUnit.Net', doc: "xUnit.net v2's -xml reports" },
] as const;

export type ToolSymbol = (typeof TOOLS)[number]['symbol'];
export type Tool = (typeof TOOLS)[number];
