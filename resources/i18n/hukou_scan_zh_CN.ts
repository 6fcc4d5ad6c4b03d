<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
  <context>
    <name />
    <message>
      <source>An unexpected error occurred: %1</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Pages already captured are saved and were not affected.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>If this keeps happening, send the log file to your administrator: %1</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Error</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Start</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Keyboard shortcuts</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Action</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Shortcut</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <source>Household Registration Archive Workstation</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Station: %1</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>&amp;File</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>&amp;View</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>&amp;Tools</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>&amp;Help</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Settings…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Quit</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Keyboard shortcuts</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>About</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Settings saved.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>hukou-scan %1 — digitization workstation for household-registration archives.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Data folder: %1</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Processing: %1  OCR: %2</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>All pages processed</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>SettingsDialog</name>
    <message>
      <source>Automatic (simulated camera when none is attached)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Simulated camera</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Settings</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>General</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Interface language</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Station code</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Station name</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Lock screen after idle (minutes)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Data folder</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Capture and processing</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Camera</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Master image format</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>JPEG quality</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Target resolution (dpi)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>OCR engine</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Backup storage</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Storage URL (s3://bucket/prefix or file:///path)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Language and station changes take effect after the next start.</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>WelcomeView</name>
    <message>
      <source>Household Registration Archive Workstation</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Station: %1</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Data folder: %1</source>
      <translation type="unfinished" />
    </message>
  </context>
</TS>