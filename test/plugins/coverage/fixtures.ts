// Coverage reports as the tools write them, for the coverage tests (JaCoCo's Maven plugin is not in
// this machine's Maven repository, so the XML is written as jacoco:report writes it).

// 3 of 4 lines, 1 of 2 branches, 2 of 3 methods, 1 of 1 class... as JaCoCo writes it.
export const JACOCO_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="app"><sessioninfo id="h-1" start="1" dump="2"/><package name="com/example"><class name="com/example/App" sourcefilename="App.java"><method name="main" desc="([Ljava/lang/String;)V" line="3"><counter type="INSTRUCTION" missed="2" covered="8"/><counter type="LINE" missed="1" covered="3"/><counter type="METHOD" missed="0" covered="1"/></method><counter type="INSTRUCTION" missed="2" covered="8"/><counter type="BRANCH" missed="1" covered="1"/><counter type="LINE" missed="1" covered="3"/><counter type="COMPLEXITY" missed="1" covered="2"/><counter type="METHOD" missed="1" covered="2"/><counter type="CLASS" missed="0" covered="1"/></class><sourcefile name="App.java"><line nr="3" mi="0" ci="3" mb="0" cb="0"/><counter type="INSTRUCTION" missed="2" covered="8"/><counter type="BRANCH" missed="1" covered="1"/><counter type="LINE" missed="1" covered="3"/><counter type="COMPLEXITY" missed="1" covered="2"/><counter type="METHOD" missed="1" covered="2"/><counter type="CLASS" missed="0" covered="1"/></sourcefile><counter type="INSTRUCTION" missed="2" covered="8"/><counter type="BRANCH" missed="1" covered="1"/><counter type="LINE" missed="1" covered="3"/><counter type="COMPLEXITY" missed="1" covered="2"/><counter type="METHOD" missed="1" covered="2"/><counter type="CLASS" missed="0" covered="1"/></package><counter type="INSTRUCTION" missed="2" covered="8"/><counter type="BRANCH" missed="1" covered="1"/><counter type="LINE" missed="1" covered="3"/><counter type="COMPLEXITY" missed="1" covered="2"/><counter type="METHOD" missed="1" covered="2"/><counter type="CLASS" missed="0" covered="1"/></report>`;

// coverage.py's layout: 2 of 4 lines hit, one branch line with 1 of 2 conditions.
export const COBERTURA_XML = `<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage version="7.4" timestamp="1" lines-valid="4" lines-covered="2" line-rate="0.5" branches-covered="1" branches-valid="2" branch-rate="0.5" complexity="0">
  <sources><source>/src</source></sources>
  <packages>
    <package name="pkg" line-rate="0.5" branch-rate="0.5" complexity="0">
      <classes>
        <class name="mod.py" filename="pkg/mod.py" complexity="0" line-rate="0.5" branch-rate="0.5">
          <methods><method name="f" signature="" line-rate="1" branch-rate="1"><lines><line number="1" hits="1"/></lines></method><method name="g" signature="" line-rate="0" branch-rate="0"><lines><line number="4" hits="0"/></lines></method></methods>
          <lines>
            <line number="1" hits="1"/>
            <line number="2" hits="3" branch="true" condition-coverage="50% (1/2)" missing-branches="3"/>
            <line number="3" hits="0"/>
            <line number="4" hits="0"/>
          </lines>
        </class>
      </classes>
    </package>
  </packages>
</coverage>`;


