<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en">
  <context>
    <name />
    <message>
      <source>An unexpected error occurred: %1</source>
      <translation>An unexpected error occurred: %1</translation>
    </message>
    <message>
      <source>Pages already captured are saved and were not affected.</source>
      <translation>Pages already captured are saved and were not affected.</translation>
    </message>
    <message>
      <source>If this keeps happening, send the log file to your administrator: %1</source>
      <translation>If this keeps happening, send the log file to your administrator: %1</translation>
    </message>
    <message>
      <source>Error</source>
      <translation>Error</translation>
    </message>
    <message>
      <source>Start</source>
      <translation>Start</translation>
    </message>
    <message>
      <source>Keyboard shortcuts</source>
      <translation>Keyboard shortcuts</translation>
    </message>
    <message>
      <source>Action</source>
      <translation>Action</translation>
    </message>
    <message>
      <source>Shortcut</source>
      <translation>Shortcut</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <source>Household Registration Archive Workstation</source>
      <translation>Household Registration Archive Workstation</translation>
    </message>
    <message>
      <source>Station: %1</source>
      <translation>Station: %1</translation>
    </message>
    <message>
      <source>&amp;File</source>
      <translation>&amp;File</translation>
    </message>
    <message>
      <source>&amp;View</source>
      <translation>&amp;View</translation>
    </message>
    <message>
      <source>&amp;Tools</source>
      <translation>&amp;Tools</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>&amp;Help</translation>
    </message>
    <message>
      <source>Settings…</source>
      <translation>Settings…</translation>
    </message>
    <message>
      <source>Quit</source>
      <translation>Quit</translation>
    </message>
    <message>
      <source>Keyboard shortcuts</source>
      <translation>Keyboard shortcuts</translation>
    </message>
    <message>
      <source>About</source>
      <translation>About</translation>
    </message>
    <message>
      <source>Settings saved.</source>
      <translation>Settings saved.</translation>
    </message>
    <message>
      <source>hukou-scan %1 — digitization workstation for household-registration archives.</source>
      <translation>hukou-scan %1 — digitization workstation for household-registration archives.</translation>
    </message>
    <message>
      <source>Data folder: %1</source>
      <translation>Data folder: %1</translation>
    </message>
    <message>
      <source>Processing: %1  OCR: %2</source>
      <translation>Processing: %1  OCR: %2</translation>
    </message>
    <message>
      <source>All pages processed</source>
      <translation>All pages processed</translation>
    </message>
  </context>
  <context>
    <name>SettingsDialog</name>
    <message>
      <source>Automatic (simulated camera when none is attached)</source>
      <translation>Automatic (simulated camera when none is attached)</translation>
    </message>
    <message>
      <source>Simulated camera</source>
      <translation>Simulated camera</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>Settings</translation>
    </message>
    <message>
      <source>General</source>
      <translation>General</translation>
    </message>
    <message>
      <source>Interface language</source>
      <translation>Interface language</translation>
    </message>
    <message>
      <source>Station code</source>
      <translation>Station code</translation>
    </message>
    <message>
      <source>Station name</source>
      <translation>Station name</translation>
    </message>
    <message>
      <source>Lock screen after idle (minutes)</source>
      <translation>Lock screen after idle (minutes)</translation>
    </message>
    <message>
      <source>Data folder</source>
      <translation>Data folder</translation>
    </message>
    <message>
      <source>Capture and processing</source>
      <translation>Capture and processing</translation>
    </message>
    <message>
      <source>Camera</source>
      <translation>Camera</translation>
    </message>
    <message>
      <source>Master image format</source>
      <translation>Master image format</translation>
    </message>
    <message>
      <source>JPEG quality</source>
      <translation>JPEG quality</translation>
    </message>
    <message>
      <source>Target resolution (dpi)</source>
      <translation>Target resolution (dpi)</translation>
    </message>
    <message>
      <source>OCR engine</source>
      <translation>OCR engine</translation>
    </message>
    <message>
      <source>Backup storage</source>
      <translation>Backup storage</translation>
    </message>
    <message>
      <source>Storage URL (s3://bucket/prefix or file:///path)</source>
      <translation>Storage URL (s3://bucket/prefix or file:///path)</translation>
    </message>
    <message>
      <source>Language and station changes take effect after the next start.</source>
      <translation>Language and station changes take effect after the next start.</translation>
    </message>
  </context>
  <context>
    <name>WelcomeView</name>
    <message>
      <source>Household Registration Archive Workstation</source>
      <translation>Household Registration Archive Workstation</translation>
    </message>
    <message>
      <source>Station: %1</source>
      <translation>Station: %1</translation>
    </message>
    <message>
      <source>Data folder: %1</source>
      <translation>Data folder: %1</translation>
    </message>
  </context>
</TS>