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
      <source>User: %1</source>
      <translation>User: %1</translation>
    </message>
    <message>
      <source>Simulated camera: loaded %1 fictional persons of the sample registry.</source>
      <translation>Simulated camera: loaded %1 fictional persons of the sample registry.</translation>
    </message>
    <message>
      <source>No backup target is configured (Settings → Backup storage).</source>
      <translation>No backup target is configured (Settings → Backup storage).</translation>
    </message>
    <message>
      <source>%1 page image(s) recorded in the archive could not be read on this workstation.</source>
      <translation>%1 page image(s) recorded in the archive could not be read on this workstation.</translation>
    </message>
    <message>
      <source>%1 file(s) are no longer in the data folder.</source>
      <translation>%1 file(s) are no longer in the data folder.</translation>
    </message>
    <message>
      <source>%1 file(s) are damaged (their content changed after they were saved).</source>
      <translation>%1 file(s) are damaged (their content changed after they were saved).</translation>
    </message>
    <message>
      <source>%1 page %2</source>
      <translation>%1 page %2</translation>
    </message>
    <message>
      <source>Affected pages: %1</source>
      <translation>Affected pages: %1</translation>
    </message>
    <message>
      <source>These pages cannot be viewed, exported or backed up until their images are back. Nothing else is affected; capture and search go on normally.</source>
      <translation>These pages cannot be viewed, exported or backed up until their images are back. Nothing else is affected; capture and search go on normally.</translation>
    </message>
    <message>
      <source>What to do: check that the disk or network share holding the data folder (%1) is connected; if the files are really gone, restore them from the backup storage or re-capture the pages listed above from the paper originals. The log file has details: %2</source>
      <translation>What to do: check that the disk or network share holding the data folder (%1) is connected; if the files are really gone, restore them from the backup storage or re-capture the pages listed above from the paper originals. The log file has details: %2</translation>
    </message>
    <message>
      <source>Page store check</source>
      <translation>Page store check</translation>
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
    <message>
      <source>Capture</source>
      <translation>Capture</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>Search</translation>
    </message>
    <message>
      <source>Review</source>
      <translation>Review</translation>
    </message>
    <message>
      <source>Data quality</source>
      <translation>Data quality</translation>
    </message>
    <message>
      <source>Statistics</source>
      <translation>Statistics</translation>
    </message>
    <message>
      <source>Backup</source>
      <translation>Backup</translation>
    </message>
    <message>
      <source>OCR queue</source>
      <translation>OCR queue</translation>
    </message>
    <message>
      <source>Audit log</source>
      <translation>Audit log</translation>
    </message>
    <message>
      <source>Export PDF…</source>
      <translation>Export PDF…</translation>
    </message>
    <message>
      <source>Import registry…</source>
      <translation>Import registry…</translation>
    </message>
    <message>
      <source>Users…</source>
      <translation>Users…</translation>
    </message>
    <message>
      <source>Birth</source>
      <translation>Birth</translation>
    </message>
    <message>
      <source>Death</source>
      <translation>Death</translation>
    </message>
    <message>
      <source>Moved in</source>
      <translation>Moved in</translation>
    </message>
    <message>
      <source>Moved out</source>
      <translation>Moved out</translation>
    </message>
    <message>
      <source>Changes and corrections</source>
      <translation>Changes and corrections</translation>
    </message>
    <message>
      <source>Cancellation and restoration</source>
      <translation>Cancellation and restoration</translation>
    </message>
    <message>
      <source>Resident identity card</source>
      <translation>Resident identity card</translation>
    </message>
    <message>
      <source>Archive management</source>
      <translation>Archive management</translation>
    </message>
    <message>
      <source>room %1</source>
      <translation>room %1</translation>
    </message>
    <message>
      <source>cabinet %1</source>
      <translation>cabinet %1</translation>
    </message>
    <message>
      <source>shelf %1</source>
      <translation>shelf %1</translation>
    </message>
    <message>
      <source>box %1</source>
      <translation>box %1</translation>
    </message>
    <message>
      <source>volume %1</source>
      <translation>volume %1</translation>
    </message>
    <message>
      <source>pages %1-%2</source>
      <translation>pages %1-%2</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>Name</translation>
    </message>
    <message>
      <source>Former name</source>
      <translation>Former name</translation>
    </message>
    <message>
      <source>Citizen ID number</source>
      <translation>Citizen ID number</translation>
    </message>
    <message>
      <source>Sex</source>
      <translation>Sex</translation>
    </message>
    <message>
      <source>Ethnicity</source>
      <translation>Ethnicity</translation>
    </message>
    <message>
      <source>Date of birth</source>
      <translation>Date of birth</translation>
    </message>
    <message>
      <source>Household number</source>
      <translation>Household number</translation>
    </message>
    <message>
      <source>Head of household</source>
      <translation>Head of household</translation>
    </message>
    <message>
      <source>Relation to head</source>
      <translation>Relation to head</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>Address</translation>
    </message>
    <message>
      <source>Place of birth</source>
      <translation>Place of birth</translation>
    </message>
    <message>
      <source>Native place</source>
      <translation>Native place</translation>
    </message>
    <message>
      <source>Printed page number</source>
      <translation>Printed page number</translation>
    </message>
  </context>
  <context>
    <name>AuditTableModel</name>
    <message>
      <source>No.</source>
      <translation>No.</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>Time</translation>
    </message>
    <message>
      <source>User</source>
      <translation>User</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>Station</translation>
    </message>
    <message>
      <source>Action</source>
      <translation>Action</translation>
    </message>
    <message>
      <source>Target</source>
      <translation>Target</translation>
    </message>
    <message>
      <source>Outcome</source>
      <translation>Outcome</translation>
    </message>
    <message>
      <source>Details</source>
      <translation>Details</translation>
    </message>
    <message>
      <source>ok</source>
      <translation>ok</translation>
    </message>
    <message>
      <source>failed</source>
      <translation>failed</translation>
    </message>
    <message>
      <source>denied</source>
      <translation>denied</translation>
    </message>
    <message>
      <source>locked</source>
      <translation>locked</translation>
    </message>
    <message>
      <source>Log in</source>
      <translation>Log in</translation>
    </message>
    <message>
      <source>Log out</source>
      <translation>Log out</translation>
    </message>
    <message>
      <source>Account locked</source>
      <translation>Account locked</translation>
    </message>
    <message>
      <source>Screen locked</source>
      <translation>Screen locked</translation>
    </message>
    <message>
      <source>Screen unlocked</source>
      <translation>Screen unlocked</translation>
    </message>
    <message>
      <source>Password changed</source>
      <translation>Password changed</translation>
    </message>
    <message>
      <source>Password reset</source>
      <translation>Password reset</translation>
    </message>
    <message>
      <source>User created</source>
      <translation>User created</translation>
    </message>
    <message>
      <source>User changed</source>
      <translation>User changed</translation>
    </message>
    <message>
      <source>User unlocked</source>
      <translation>User unlocked</translation>
    </message>
    <message>
      <source>Permission denied</source>
      <translation>Permission denied</translation>
    </message>
    <message>
      <source>Settings changed</source>
      <translation>Settings changed</translation>
    </message>
    <message>
      <source>New batch</source>
      <translation>New batch</translation>
    </message>
    <message>
      <source>Close batch</source>
      <translation>Close batch</translation>
    </message>
    <message>
      <source>Capture</source>
      <translation>Capture</translation>
    </message>
    <message>
      <source>Import file</source>
      <translation>Import file</translation>
    </message>
    <message>
      <source>Re-capture page</source>
      <translation>Re-capture page</translation>
    </message>
    <message>
      <source>Rotate page</source>
      <translation>Rotate page</translation>
    </message>
    <message>
      <source>Reorder pages</source>
      <translation>Reorder pages</translation>
    </message>
    <message>
      <source>Delete page</source>
      <translation>Delete page</translation>
    </message>
    <message>
      <source>Undo delete</source>
      <translation>Undo delete</translation>
    </message>
    <message>
      <source>Reprocess page</source>
      <translation>Reprocess page</translation>
    </message>
    <message>
      <source>Link</source>
      <translation>Link</translation>
    </message>
    <message>
      <source>Unlink</source>
      <translation>Unlink</translation>
    </message>
    <message>
      <source>Import registry</source>
      <translation>Import registry</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>Search</translation>
    </message>
    <message>
      <source>Rebuild search index</source>
      <translation>Rebuild search index</translation>
    </message>
    <message>
      <source>View page</source>
      <translation>View page</translation>
    </message>
    <message>
      <source>View person</source>
      <translation>View person</translation>
    </message>
    <message>
      <source>Show full ID number</source>
      <translation>Show full ID number</translation>
    </message>
    <message>
      <source>Export</source>
      <translation>Export</translation>
    </message>
    <message>
      <source>Export warnings</source>
      <translation>Export warnings</translation>
    </message>
    <message>
      <source>Data-quality check</source>
      <translation>Data-quality check</translation>
    </message>
    <message>
      <source>Draw QA sample</source>
      <translation>Draw QA sample</translation>
    </message>
    <message>
      <source>QA verdict</source>
      <translation>QA verdict</translation>
    </message>
    <message>
      <source>Batch decision</source>
      <translation>Batch decision</translation>
    </message>
    <message>
      <source>QA re-capture</source>
      <translation>QA re-capture</translation>
    </message>
    <message>
      <source>View statistics</source>
      <translation>View statistics</translation>
    </message>
    <message>
      <source>Sync</source>
      <translation>Sync</translation>
    </message>
    <message>
      <source>Restore</source>
      <translation>Restore</translation>
    </message>
    <message>
      <source>View audit log</source>
      <translation>View audit log</translation>
    </message>
    <message>
      <source>Verify audit chain</source>
      <translation>Verify audit chain</translation>
    </message>
    <message>
      <source>backup</source>
      <translation>backup</translation>
    </message>
    <message>
      <source>text recognition</source>
      <translation>text recognition</translation>
    </message>
    <message>
      <source>image processing</source>
      <translation>image processing</translation>
    </message>
    <message>
      <source>start-up check</source>
      <translation>start-up check</translation>
    </message>
    <message>
      <source>pages</source>
      <translation>pages</translation>
    </message>
    <message>
      <source>rows</source>
      <translation>rows</translation>
    </message>
    <message>
      <source>results</source>
      <translation>results</translation>
    </message>
    <message>
      <source>query</source>
      <translation>query</translation>
    </message>
    <message>
      <source>purpose</source>
      <translation>purpose</translation>
    </message>
    <message>
      <source>reason</source>
      <translation>reason</translation>
    </message>
    <message>
      <source>error</source>
      <translation>error</translation>
    </message>
    <message>
      <source>failed attempts</source>
      <translation>failed attempts</translation>
    </message>
    <message>
      <source>batch</source>
      <translation>batch</translation>
    </message>
    <message>
      <source>capture no.</source>
      <translation>capture no.</translation>
    </message>
    <message>
      <source>rotation</source>
      <translation>rotation</translation>
    </message>
    <message>
      <source>new page</source>
      <translation>new page</translation>
    </message>
    <message>
      <source>person</source>
      <translation>person</translation>
    </message>
    <message>
      <source>method</source>
      <translation>method</translation>
    </message>
    <message>
      <source>score</source>
      <translation>score</translation>
    </message>
    <message>
      <source>roles</source>
      <translation>roles</translation>
    </message>
    <message>
      <source>archive no.</source>
      <translation>archive no.</translation>
    </message>
    <message>
      <source>category</source>
      <translation>category</translation>
    </message>
    <message>
      <source>file</source>
      <translation>file</translation>
    </message>
    <message>
      <source>expected pages</source>
      <translation>expected pages</translation>
    </message>
    <message>
      <source>paper returned</source>
      <translation>paper returned</translation>
    </message>
    <message>
      <source>engine</source>
      <translation>engine</translation>
    </message>
    <message>
      <source>jobs</source>
      <translation>jobs</translation>
    </message>
    <message>
      <source>content</source>
      <translation>content</translation>
    </message>
    <message>
      <source>changes</source>
      <translation>changes</translation>
    </message>
    <message>
      <source>checked</source>
      <translation>checked</translation>
    </message>
    <message>
      <source>problems</source>
      <translation>problems</translation>
    </message>
    <message>
      <source>files moved to quarantine</source>
      <translation>files moved to quarantine</translation>
    </message>
    <message>
      <source>temporary files removed</source>
      <translation>temporary files removed</translation>
    </message>
    <message>
      <source>uploaded</source>
      <translation>uploaded</translation>
    </message>
    <message>
      <source>first start</source>
      <translation>first start</translation>
    </message>
    <message>
      <source>where</source>
      <translation>where</translation>
    </message>
    <message>
      <source>verdict</source>
      <translation>verdict</translation>
    </message>
    <message>
      <source>decision</source>
      <translation>decision</translation>
    </message>
    <message>
      <source>source</source>
      <translation>source</translation>
    </message>
    <message>
      <source>all stations</source>
      <translation>all stations</translation>
    </message>
    <message>
      <source>wrong password</source>
      <translation>wrong password</translation>
    </message>
    <message>
      <source>unknown user</source>
      <translation>unknown user</translation>
    </message>
    <message>
      <source>invalid user name</source>
      <translation>invalid user name</translation>
    </message>
    <message>
      <source>input too long</source>
      <translation>input too long</translation>
    </message>
    <message>
      <source>account disabled</source>
      <translation>account disabled</translation>
    </message>
    <message>
      <source>another station's data</source>
      <translation>another station's data</translation>
    </message>
    <message>
      <source>no anchor on the backup</source>
      <translation>no anchor on the backup</translation>
    </message>
    <message>
      <source>Administrator</source>
      <translation>Administrator</translation>
    </message>
    <message>
      <source>Clerk</source>
      <translation>Clerk</translation>
    </message>
    <message>
      <source>Reviewer</source>
      <translation>Reviewer</translation>
    </message>
    <message>
      <source>Searcher</source>
      <translation>Searcher</translation>
    </message>
    <message>
      <source>spot check</source>
      <translation>spot check</translation>
    </message>
    <message>
      <source>by station</source>
      <translation>by station</translation>
    </message>
    <message>
      <source>by batch</source>
      <translation>by batch</translation>
    </message>
    <message>
      <source>by day</source>
      <translation>by day</translation>
    </message>
    <message>
      <source>by clerk</source>
      <translation>by clerk</translation>
    </message>
    <message>
      <source>statistics (CSV)</source>
      <translation>statistics (CSV)</translation>
    </message>
    <message>
      <source>rejected registry rows</source>
      <translation>rejected registry rows</translation>
    </message>
    <message>
      <source>audit log (CSV)</source>
      <translation>audit log (CSV)</translation>
    </message>
    <message>
      <source>: </source>
      <translation>: </translation>
    </message>
    <message>
      <source>; </source>
      <translation>; </translation>
    </message>
    <message>
      <source>, </source>
      <translation>, </translation>
    </message>
    <message>
      <source>(nobody logged in)</source>
      <translation>(nobody logged in)</translation>
    </message>
    <message>
      <source>System (%1)</source>
      <translation>System (%1)</translation>
    </message>
    <message>
      <source>%1 (%2)</source>
      <translation>%1 (%2)</translation>
    </message>
    <message>
      <source>%1 page %2</source>
      <translation>%1 page %2</translation>
    </message>
    <message>
      <source>batch %1</source>
      <translation>batch %1</translation>
    </message>
    <message>
      <source>yes</source>
      <translation>yes</translation>
    </message>
    <message>
      <source>no</source>
      <translation>no</translation>
    </message>
      <message>
      <source>display name</source>
      <translation>display name</translation>
    </message>
    <message>
      <source>station</source>
      <translation>station</translation>
    </message>
    <message>
      <source>account enabled</source>
      <translation>account enabled</translation>
    </message>
    <message>
      <source>backup target</source>
      <translation>backup target</translation>
    </message>
    <message>
      <source>language</source>
      <translation>language</translation>
    </message>
    <message>
      <source>station code</source>
      <translation>station code</translation>
    </message>
    <message>
      <source>station name</source>
      <translation>station name</translation>
    </message>
    <message>
      <source>text recognition engine</source>
      <translation>text recognition engine</translation>
    </message>
    <message>
      <source>master image format</source>
      <translation>master image format</translation>
    </message>
    <message>
      <source>camera</source>
      <translation>camera</translation>
    </message>
    <message>
      <source>JPEG quality</source>
      <translation>JPEG quality</translation>
    </message>
    <message>
      <source>target resolution (dpi)</source>
      <translation>target resolution (dpi)</translation>
    </message>
    <message>
      <source>text recognition processes</source>
      <translation>text recognition processes</translation>
    </message>
    <message>
      <source>text recognition time limit (s)</source>
      <translation>text recognition time limit (s)</translation>
    </message>
    <message>
      <source>screen lock after idle (minutes)</source>
      <translation>screen lock after idle (minutes)</translation>
    </message>
    <message>
      <source>not logged in</source>
      <translation>not logged in</translation>
    </message>
    <message>
      <source>(not set)</source>
      <translation>(not set)</translation>
    </message>
</context>
  <context>
    <name>AuditView</name>
    <message>
      <source>User</source>
      <translation>User</translation>
    </message>
    <message>
      <source>Any outcome</source>
      <translation>Any outcome</translation>
    </message>
    <message>
      <source>Target contains…</source>
      <translation>Target contains…</translation>
    </message>
    <message>
      <source>Filter</source>
      <translation>Filter</translation>
    </message>
    <message>
      <source>From</source>
      <translation>From</translation>
    </message>
    <message>
      <source>to</source>
      <translation>to</translation>
    </message>
    <message>
      <source>Verify chain</source>
      <translation>Verify chain</translation>
    </message>
    <message>
      <source>Export CSV…</source>
      <translation>Export CSV…</translation>
    </message>
    <message>
      <source>Any action</source>
      <translation>Any action</translation>
    </message>
    <message numerus="yes">
      <source>%n event(s)</source>
      <translation>
        <numerusform>%n event(s)</numerusform>
        <numerusform>%n event(s)</numerusform>
      </translation>
    </message>
    <message>
      <source>Audit chain intact: %1 events.</source>
      <translation>Audit chain intact: %1 events.</translation>
    </message>
    <message>
      <source>Audit chain BROKEN: %1 problem(s).</source>
      <translation>Audit chain BROKEN: %1 problem(s).</translation>
    </message>
    <message>
      <source>Export audit log</source>
      <translation>Export audit log</translation>
    </message>
    <message>
      <source>Export purpose</source>
      <translation>Export purpose</translation>
    </message>
    <message>
      <source>Purpose of this export:</source>
      <translation>Purpose of this export:</translation>
    </message>
    <message>
      <source>Exported to %1</source>
      <translation>Exported to %1</translation>
    </message>
  </context>
  <context>
    <name>CameraDialog</name>
    <message>
      <source>Camera</source>
      <translation>Camera</translation>
    </message>
    <message>
      <source>Simulated camera</source>
      <translation>Simulated camera</translation>
    </message>
    <message>
      <source>or a stream URL: http://… / rtsp://…</source>
      <translation>or a stream URL: http://… / rtsp://…</translation>
    </message>
    <message>
      <source>Device</source>
      <translation>Device</translation>
    </message>
    <message>
      <source>Granted by the driver</source>
      <translation>Granted by the driver</translation>
    </message>
    <message>
      <source>Auto exposure</source>
      <translation>Auto exposure</translation>
    </message>
    <message>
      <source>Exposure</source>
      <translation>Exposure</translation>
    </message>
    <message>
      <source>Autofocus</source>
      <translation>Autofocus</translation>
    </message>
    <message>
      <source>Focus</source>
      <translation>Focus</translation>
    </message>
    <message>
      <source>Auto white balance</source>
      <translation>Auto white balance</translation>
    </message>
    <message>
      <source>White balance (K)</source>
      <translation>White balance (K)</translation>
    </message>
    <message>
      <source>Brightness</source>
      <translation>Brightness</translation>
    </message>
    <message>
      <source>set</source>
      <translation>set</translation>
    </message>
    <message>
      <source>(not connected)</source>
      <translation>(not connected)</translation>
    </message>
    <message>
      <source>asked for %1</source>
      <translation>asked for %1</translation>
    </message>
  </context>
  <context>
    <name>CaptureView</name>
    <message>
      <source>No batch open</source>
      <translation>No batch open</translation>
    </message>
    <message>
      <source>New batch…</source>
      <translation>New batch…</translation>
    </message>
    <message>
      <source>Close batch…</source>
      <translation>Close batch…</translation>
    </message>
    <message>
      <source>Import files…</source>
      <translation>Import files…</translation>
    </message>
    <message>
      <source>Camera…</source>
      <translation>Camera…</translation>
    </message>
    <message>
      <source>Auto-capture</source>
      <translation>Auto-capture</translation>
    </message>
    <message>
      <source>Connecting to the camera…</source>
      <translation>Connecting to the camera…</translation>
    </message>
    <message>
      <source>Capture (Space)</source>
      <translation>Capture (Space)</translation>
    </message>
    <message>
      <source>Insert before</source>
      <translation>Insert before</translation>
    </message>
    <message>
      <source>Re-capture</source>
      <translation>Re-capture</translation>
    </message>
    <message>
      <source>Page corners…</source>
      <translation>Page corners…</translation>
    </message>
    <message>
      <source>Split / join spread</source>
      <translation>Split / join spread</translation>
    </message>
    <message>
      <source>Flatten curved page</source>
      <translation>Flatten curved page</translation>
    </message>
    <message>
      <source>Rotate 90° left</source>
      <translation>Rotate 90° left</translation>
    </message>
    <message>
      <source>Rotate 90° right</source>
      <translation>Rotate 90° right</translation>
    </message>
    <message>
      <source>Delete</source>
      <translation>Delete</translation>
    </message>
    <message>
      <source>Undo delete</source>
      <translation>Undo delete</translation>
    </message>
    <message>
      <source>Move page earlier</source>
      <translation>Move page earlier</translation>
    </message>
    <message>
      <source>Move page later</source>
      <translation>Move page later</translation>
    </message>
    <message>
      <source>Hot folder unavailable: %1</source>
      <translation>Hot folder unavailable: %1</translation>
    </message>
    <message>
      <source>Batch closed.</source>
      <translation>Batch closed.</translation>
    </message>
    <message>
      <source>No batch open — start a new batch</source>
      <translation>No batch open — start a new batch</translation>
    </message>
    <message>
      <source>Page %1 / %2</source>
      <translation>Page %1 / %2</translation>
    </message>
    <message>
      <source>%1 pages</source>
      <translation>%1 pages</translation>
    </message>
    <message>
      <source>Camera disconnected — reconnecting automatically. Captured pages are safe.</source>
      <translation>Camera disconnected — reconnecting automatically. Captured pages are safe.</translation>
    </message>
    <message>
      <source>Camera reconnected.</source>
      <translation>Camera reconnected.</translation>
    </message>
    <message>
      <source>Auto: movement</source>
      <translation>Auto: movement</translation>
    </message>
    <message>
      <source>Auto: hold still…</source>
      <translation>Auto: hold still…</translation>
    </message>
    <message>
      <source>Auto: hand in the picture</source>
      <translation>Auto: hand in the picture</translation>
    </message>
    <message>
      <source>Auto: same page, not captured again</source>
      <translation>Auto: same page, not captured again</translation>
    </message>
    <message>
      <source>Auto: desk empty</source>
      <translation>Auto: desk empty</translation>
    </message>
    <message>
      <source>Start a batch before capturing.</source>
      <translation>Start a batch before capturing.</translation>
    </message>
    <message>
      <source>No camera picture to capture.</source>
      <translation>No camera picture to capture.</translation>
    </message>
    <message>
      <source>Page %1 saved.</source>
      <translation>Page %1 saved.</translation>
    </message>
    <message>
      <source>Capture failed: %1</source>
      <translation>Capture failed: %1</translation>
    </message>
    <message>
      <source>⚠ %1 This applies to every page taken with this camera setting; it is said once per batch.</source>
      <translation>⚠ %1 This applies to every page taken with this camera setting; it is said once per batch.</translation>
    </message>
    <message>
      <source>processing</source>
      <translation>processing</translation>
    </message>
    <message>
      <source>failed</source>
      <translation>failed</translation>
    </message>
    <message>
      <source>deleted</source>
      <translation>deleted</translation>
    </message>
    <message>
      <source>to confirm</source>
      <translation>to confirm</translation>
    </message>
    <message>
      <source>not linked</source>
      <translation>not linked</translation>
    </message>
    <message>
      <source>captured, processing…</source>
      <translation>captured, processing…</translation>
    </message>
    <message>
      <source>processed</source>
      <translation>processed</translation>
    </message>
    <message>
      <source>text recognised</source>
      <translation>text recognised</translation>
    </message>
    <message>
      <source>linked</source>
      <translation>linked</translation>
    </message>
    <message>
      <source>Pages reordered.</source>
      <translation>Pages reordered.</translation>
    </message>
    <message>
      <source>original — processing…</source>
      <translation>original — processing…</translation>
    </message>
    <message>
      <source>Page %1 (%2)</source>
      <translation>Page %1 (%2)</translation>
    </message>
    <message>
      <source>Duplicate of page %1?</source>
      <translation>Duplicate of page %1?</translation>
    </message>
    <message>
      <source>Page deleted — Ctrl+Z to undo.</source>
      <translation>Page deleted — Ctrl+Z to undo.</translation>
    </message>
    <message>
      <source>Page restored.</source>
      <translation>Page restored.</translation>
    </message>
    <message>
      <source>Page rotated.</source>
      <translation>Page rotated.</translation>
    </message>
    <message>
      <source>Page corners set — the page is being remade.</source>
      <translation>Page corners set — the page is being remade.</translation>
    </message>
    <message>
      <source>Spread split into two pages.</source>
      <translation>Spread split into two pages.</translation>
    </message>
    <message>
      <source>Curved-page flattening on.</source>
      <translation>Curved-page flattening on.</translation>
    </message>
    <message>
      <source>Curved-page flattening off.</source>
      <translation>Curved-page flattening off.</translation>
    </message>
    <message>
      <source>Halves joined into one page.</source>
      <translation>Halves joined into one page.</translation>
    </message>
    <message>
      <source>Import files</source>
      <translation>Import files</translation>
    </message>
    <message>
      <source>Images and PDF (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.pdf)</source>
      <translation>Images and PDF (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.pdf)</translation>
    </message>
    <message>
      <source>Importing %1 / %2…</source>
      <translation>Importing %1 / %2…</translation>
    </message>
    <message>
      <source>Imported %1 page(s).</source>
      <translation>Imported %1 page(s).</translation>
    </message>
    <message>
      <source>%1 file(s) were already imported.</source>
      <translation>%1 file(s) were already imported.</translation>
    </message>
  </context>
  <context>
    <name>ChangePasswordDialog</name>
    <message>
      <source>Change password</source>
      <translation>Change password</translation>
    </message>
    <message>
      <source>You must set a new password before you continue.</source>
      <translation>You must set a new password before you continue.</translation>
    </message>
    <message>
      <source>Current password</source>
      <translation>Current password</translation>
    </message>
    <message>
      <source>New password</source>
      <translation>New password</translation>
    </message>
    <message>
      <source>Repeat new password</source>
      <translation>Repeat new password</translation>
    </message>
  </context>
  <context>
    <name>CloseBatchDialog</name>
    <message>
      <source>Close batch</source>
      <translation>Close batch</translation>
    </message>
    <message>
      <source>(no location recorded)</source>
      <translation>(no location recorded)</translation>
    </message>
    <message>
      <source>Archive id: %1</source>
      <translation>Archive id: %1</translation>
    </message>
    <message>
      <source>Pages captured: %1</source>
      <translation>Pages captured: %1</translation>
    </message>
    <message>
      <source> of %1 expected</source>
      <translation> of %1 expected</translation>
    </message>
    <message>
      <source>Paper original belongs in: %1</source>
      <translation>Paper original belongs in: %1</translation>
    </message>
    <message>
      <source>The page count differs from the expected count.</source>
      <translation>The page count differs from the expected count.</translation>
    </message>
    <message>
      <source>Text pages not linked to a person: %1</source>
      <translation>Text pages not linked to a person: %1</translation>
    </message>
    <message>
      <source>Go back to link them, or close the batch anyway.</source>
      <translation>Go back to link them, or close the batch anyway.</translation>
    </message>
    <message>
      <source>The paper original is back in its recorded location</source>
      <translation>The paper original is back in its recorded location</translation>
    </message>
    <message>
      <source>Back to linking</source>
      <translation>Back to linking</translation>
    </message>
    <message>
      <source>Close batch anyway</source>
      <translation>Close batch anyway</translation>
    </message>
  </context>
  <context>
    <name>CornersDialog</name>
    <message>
      <source>Adjust page corners</source>
      <translation>Adjust page corners</translation>
    </message>
    <message>
      <source>Drag the four corners onto the page's corners (Tab picks a corner, arrow keys move it).</source>
      <translation>Drag the four corners onto the page's corners (Tab picks a corner, arrow keys move it).</translation>
    </message>
    <message>
      <source>Remake page</source>
      <translation>Remake page</translation>
    </message>
  </context>
  <context>
    <name>DashboardView</name>
    <message>
      <source>By station</source>
      <translation>By station</translation>
    </message>
    <message>
      <source>By batch</source>
      <translation>By batch</translation>
    </message>
    <message>
      <source>By day</source>
      <translation>By day</translation>
    </message>
    <message>
      <source>By clerk</source>
      <translation>By clerk</translation>
    </message>
    <message>
      <source>Refresh</source>
      <translation>Refresh</translation>
    </message>
    <message>
      <source>Export CSV…</source>
      <translation>Export CSV…</translation>
    </message>
    <message>
      <source>Export PNG…</source>
      <translation>Export PNG…</translation>
    </message>
    <message>
      <source>Progress</source>
      <translation>Progress</translation>
    </message>
    <message>
      <source>Throughput per clerk</source>
      <translation>Throughput per clerk</translation>
    </message>
    <message>
      <source>Data-quality warnings</source>
      <translation>Data-quality warnings</translation>
    </message>
    <message>
      <source>Captured</source>
      <translation>Captured</translation>
    </message>
    <message>
      <source>Processed</source>
      <translation>Processed</translation>
    </message>
    <message>
      <source>Recognised</source>
      <translation>Recognised</translation>
    </message>
    <message>
      <source>Linked</source>
      <translation>Linked</translation>
    </message>
    <message>
      <source>Reviewed</source>
      <translation>Reviewed</translation>
    </message>
    <message>
      <source>Synced</source>
      <translation>Synced</translation>
    </message>
    <message>
      <source>%1 pages</source>
      <translation>%1 pages</translation>
    </message>
    <message>
      <source>warnings: page checks only</source>
      <translation>warnings: page checks only</translation>
    </message>
    <message>
      <source>Group</source>
      <translation>Group</translation>
    </message>
    <message>
      <source>QA pages passed</source>
      <translation>QA pages passed</translation>
    </message>
    <message>
      <source>Batches accepted</source>
      <translation>Batches accepted</translation>
    </message>
    <message>
      <source>Total</source>
      <translation>Total</translation>
    </message>
    <message>
      <source>Clerk</source>
      <translation>Clerk</translation>
    </message>
    <message>
      <source>Day</source>
      <translation>Day</translation>
    </message>
    <message>
      <source>Pages</source>
      <translation>Pages</translation>
    </message>
    <message>
      <source>Pages per hour</source>
      <translation>Pages per hour</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>Station</translation>
    </message>
    <message>
      <source>Warning</source>
      <translation>Warning</translation>
    </message>
    <message>
      <source>Count</source>
      <translation>Count</translation>
    </message>
    <message>
      <source>Records</source>
      <translation>Records</translation>
    </message>
    <message>
      <source>Rate</source>
      <translation>Rate</translation>
    </message>
    <message>
      <source>Export CSV</source>
      <translation>Export CSV</translation>
    </message>
    <message>
      <source>Export PNG</source>
      <translation>Export PNG</translation>
    </message>
  </context>
  <context>
    <name>ExportDialog</name>
    <message>
      <source>Export PDF</source>
      <translation>Export PDF</translation>
    </message>
    <message>
      <source>Batch, by archive number (档号)</source>
      <translation>Batch, by archive number (档号)</translation>
    </message>
    <message>
      <source>Person, by citizen ID number</source>
      <translation>Person, by citizen ID number</translation>
    </message>
    <message>
      <source>Household, by household number</source>
      <translation>Household, by household number</translation>
    </message>
    <message>
      <source>Find</source>
      <translation>Find</translation>
    </message>
    <message>
      <source>Counting pages…</source>
      <translation>Counting pages…</translation>
    </message>
    <message>
      <source>Required, e.g. certificate for the resident</source>
      <translation>Required, e.g. certificate for the resident</translation>
    </message>
    <message>
      <source>Colour masters (as captured; larger files)</source>
      <translation>Colour masters (as captured; larger files)</translation>
    </message>
    <message>
      <source>Cleaned pages (red seals in colour)</source>
      <translation>Cleaned pages (red seals in colour)</translation>
    </message>
    <message>
      <source>Cleaned pages are more legible and several times smaller. Colour pages, and pages where red seals or red lines are found, go out from the colour master (DA/T 31).</source>
      <translation>Cleaned pages are more legible and several times smaller. Colour pages, and pages where red seals or red lines are found, go out from the colour master (DA/T 31).</translation>
    </message>
    <message>
      <source>PDF (searchable, PDF/A-2b structure)</source>
      <translation>PDF (searchable, PDF/A-2b structure)</translation>
    </message>
    <message>
      <source>OFD (GB/T 33190, searchable)</source>
      <translation>OFD (GB/T 33190, searchable)</translation>
    </message>
    <message>
      <source>PDF/A-2b is declared, not validated: no PDF/A validator is installed. Checked in our tests: embedded fonts with matching widths, sRGB output intent, XMP metadata matching the document info, no encryption, LZW or JBIG2, qpdf syntax check. A password removes the PDF/A declaration.</source>
      <translation>PDF/A-2b is declared, not validated: no PDF/A validator is installed. Checked in our tests: embedded fonts with matching widths, sRGB output intent, XMP metadata matching the document info, no encryption, LZW or JBIG2, qpdf syntax check. A password removes the PDF/A declaration.</translation>
    </message>
    <message>
      <source>Visible watermark (user, time, purpose)</source>
      <translation>Visible watermark (user, time, purpose)</translation>
    </message>
    <message>
      <source>Protect with a password (AES-256)</source>
      <translation>Protect with a password (AES-256)</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>Password</translation>
    </message>
    <message>
      <source>Repeat password</source>
      <translation>Repeat password</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>Browse…</translation>
    </message>
    <message>
      <source>Open the file when done</source>
      <translation>Open the file when done</translation>
    </message>
    <message>
      <source>Export</source>
      <translation>Export</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>Cancel</translation>
    </message>
    <message>
      <source>Open file</source>
      <translation>Open file</translation>
    </message>
    <message>
      <source>Show in folder</source>
      <translation>Show in folder</translation>
    </message>
    <message>
      <source>Export:</source>
      <translation>Export:</translation>
    </message>
    <message>
      <source>Source:</source>
      <translation>Source:</translation>
    </message>
    <message>
      <source>Purpose:</source>
      <translation>Purpose:</translation>
    </message>
    <message>
      <source>Format:</source>
      <translation>Format:</translation>
    </message>
    <message>
      <source>Page images:</source>
      <translation>Page images:</translation>
    </message>
    <message>
      <source>File:</source>
      <translation>File:</translation>
    </message>
    <message>
      <source>The open batch</source>
      <translation>The open batch</translation>
    </message>
    <message>
      <source>The search result shown</source>
      <translation>The search result shown</translation>
    </message>
    <message>
      <source>The person shown</source>
      <translation>The person shown</translation>
    </message>
    <message>
      <source>The household shown</source>
      <translation>The household shown</translation>
    </message>
    <message>
      <source>The current selection</source>
      <translation>The current selection</translation>
    </message>
    <message>
      <source>Archive number, e.g. A0101-2026-001</source>
      <translation>Archive number, e.g. A0101-2026-001</translation>
    </message>
    <message>
      <source>18-digit citizen ID number</source>
      <translation>18-digit citizen ID number</translation>
    </message>
    <message>
      <source>Household number</source>
      <translation>Household number</translation>
    </message>
    <message>
      <source>Enter what to export and press Find.</source>
      <translation>Enter what to export and press Find.</translation>
    </message>
    <message>
      <source>%1 — %2 page(s) from %3 volume(s): %4</source>
      <translation>%1 — %2 page(s) from %3 volume(s): %4</translation>
    </message>
    <message>
      <source>Nothing can be exported.</source>
      <translation>Nothing can be exported.</translation>
    </message>
    <message>
      <source>State the purpose of the export.</source>
      <translation>State the purpose of the export.</translation>
    </message>
    <message>
      <source>Enter a password.</source>
      <translation>Enter a password.</translation>
    </message>
    <message>
      <source>The passwords do not match.</source>
      <translation>The passwords do not match.</translation>
    </message>
    <message>
      <source>Choose where to save the file.</source>
      <translation>Choose where to save the file.</translation>
    </message>
    <message>
      <source>Export OFD</source>
      <translation>Export OFD</translation>
    </message>
    <message>
      <source>Save OFD</source>
      <translation>Save OFD</translation>
    </message>
    <message>
      <source>OFD files (*.ofd)</source>
      <translation>OFD files (*.ofd)</translation>
    </message>
    <message>
      <source>Save PDF</source>
      <translation>Save PDF</translation>
    </message>
    <message>
      <source>PDF files (*.pdf)</source>
      <translation>PDF files (*.pdf)</translation>
    </message>
    <message>
      <source>Exporting…</source>
      <translation>Exporting…</translation>
    </message>
    <message>
      <source>Page %1 of %2 (%3)</source>
      <translation>Page %1 of %2 (%3)</translation>
    </message>
    <message>
      <source>Saved %1 (%2 page(s), %3 MB).</source>
      <translation>Saved %1 (%2 page(s), %3 MB).</translation>
    </message>
    <message>
      <source>%1 page(s) could not be read and were left out.</source>
      <translation>%1 page(s) could not be read and were left out.</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>Close</translation>
    </message>
    <message>
      <source>red seal</source>
      <translation>red seal</translation>
    </message>
    <message>
      <source>red lines or red header</source>
      <translation>red lines or red header</translation>
    </message>
    <message>
      <source>red seal and red lines</source>
      <translation>red seal and red lines</translation>
    </message>
    <message>
      <source>%1 page(s) exported in colour from the master: %2</source>
      <translation>%1 page(s) exported in colour from the master: %2</translation>
    </message>
    <message>
      <source>Export cancelled; no file was written.</source>
      <translation>Export cancelled; no file was written.</translation>
    </message>
    <message>
      <source>Replace file?</source>
      <translation>Replace file?</translation>
    </message>
    <message>
      <source>%1 already exists. Replace it?</source>
      <translation>%1 already exists. Replace it?</translation>
    </message>
    <message>
      <source>Cancelling…</source>
      <translation>Cancelling…</translation>
    </message>
  </context>
  <context>
    <name>HandoverDialog</name>
    <message>
      <source>Hand over to the archive</source>
      <translation>Hand over to the archive</translation>
    </message>
    <message>
      <source>Archive ids, comma-separated; A0101-* for a prefix</source>
      <translation>Archive ids, comma-separated; A0101-* for a prefix</translation>
    </message>
    <message>
      <source>From</source>
      <translation>From</translation>
    </message>
    <message>
      <source>To</source>
      <translation>To</translation>
    </message>
    <message>
      <source>All stations</source>
      <translation>All stations</translation>
    </message>
    <message>
      <source>Find batches</source>
      <translation>Find batches</translation>
    </message>
    <message>
      <source>Archive id</source>
      <translation>Archive id</translation>
    </message>
    <message>
      <source>Category</source>
      <translation>Category</translation>
    </message>
    <message>
      <source>Created</source>
      <translation>Created</translation>
    </message>
    <message>
      <source>Pages</source>
      <translation>Pages</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>Station</translation>
    </message>
    <message>
      <source>Folder</source>
      <translation>Folder</translation>
    </message>
    <message>
      <source>Sync target</source>
      <translation>Sync target</translation>
    </message>
    <message>
      <source>No sync target is configured.</source>
      <translation>No sync target is configured.</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>Browse…</translation>
    </message>
    <message>
      <source>Masters as TIFF (lossless; larger)</source>
      <translation>Masters as TIFF (lossless; larger)</translation>
    </message>
    <message>
      <source>Add an SM3 checksum manifest</source>
      <translation>Add an SM3 checksum manifest</translation>
    </message>
    <message>
      <source>Write package</source>
      <translation>Write package</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>Cancel</translation>
    </message>
    <message>
      <source>Show in folder</source>
      <translation>Show in folder</translation>
    </message>
    <message>
      <source>Archive ids:</source>
      <translation>Archive ids:</translation>
    </message>
    <message>
      <source>Created:</source>
      <translation>Created:</translation>
    </message>
    <message>
      <source>Station:</source>
      <translation>Station:</translation>
    </message>
    <message>
      <source>Target:</source>
      <translation>Target:</translation>
    </message>
    <message>
      <source>Looking for batches…</source>
      <translation>Looking for batches…</translation>
    </message>
    <message>
      <source>No batches match.</source>
      <translation>No batches match.</translation>
    </message>
    <message>
      <source>%1 batch(es) with %2 page(s) selected</source>
      <translation>%1 batch(es) with %2 page(s) selected</translation>
    </message>
    <message>
      <source>Target folder</source>
      <translation>Target folder</translation>
    </message>
    <message>
      <source>Writing the package…</source>
      <translation>Writing the package…</translation>
    </message>
    <message>
      <source>Page %1 of %2 (%3)</source>
      <translation>Page %1 of %2 (%3)</translation>
    </message>
    <message>
      <source>Package written: %1 — %2 volume(s), %3 page(s), %4 files, %5 MB. Manifest SHA-256: %6</source>
      <translation>Package written: %1 — %2 volume(s), %3 page(s), %4 files, %5 MB. Manifest SHA-256: %6</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>Close</translation>
    </message>
    <message>
      <source>Hand-over cancelled; no partial package was left.</source>
      <translation>Hand-over cancelled; no partial package was left.</translation>
    </message>
    <message>
      <source>Cancelling…</source>
      <translation>Cancelling…</translation>
    </message>
  </context>
  <context>
    <name>IdleLockFilter</name>
    <message>
      <source>Locked</source>
      <translation>Locked</translation>
    </message>
  </context>
  <context>
    <name>LinkPanel</name>
    <message>
      <source>No page selected</source>
      <translation>No page selected</translation>
    </message>
    <message>
      <source>✓</source>
      <translation>✓</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>Name</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>ID number</translation>
    </message>
    <message>
      <source>Birth date</source>
      <translation>Birth date</translation>
    </message>
    <message>
      <source>Household</source>
      <translation>Household</translation>
    </message>
    <message>
      <source>Score</source>
      <translation>Score</translation>
    </message>
    <message>
      <source>Confirm top candidate (Enter)</source>
      <translation>Confirm top candidate (Enter)</translation>
    </message>
    <message>
      <source>Link all ticked</source>
      <translation>Link all ticked</translation>
    </message>
    <message>
      <source>Find candidates again</source>
      <translation>Find candidates again</translation>
    </message>
    <message>
      <source>Search by name, ID number or household number</source>
      <translation>Search by name, ID number or household number</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>Search</translation>
    </message>
    <message>
      <source>Relation</source>
      <translation>Relation</translation>
    </message>
    <message>
      <source>Link selected person</source>
      <translation>Link selected person</translation>
    </message>
    <message>
      <source>Role</source>
      <translation>Role</translation>
    </message>
    <message>
      <source>How</source>
      <translation>How</translation>
    </message>
    <message>
      <source>By</source>
      <translation>By</translation>
    </message>
    <message>
      <source>When</source>
      <translation>When</translation>
    </message>
    <message>
      <source>Unlink</source>
      <translation>Unlink</translation>
    </message>
    <message>
      <source>Candidates</source>
      <translation>Candidates</translation>
    </message>
    <message>
      <source>Linked persons</source>
      <translation>Linked persons</translation>
    </message>
    <message>
      <source>Page %1</source>
      <translation>Page %1</translation>
    </message>
    <message>
      <source>Already linked</source>
      <translation>Already linked</translation>
    </message>
    <message>
      <source>Why: %1</source>
      <translation>Why: %1</translation>
    </message>
    <message>
      <source>confirmed</source>
      <translation>confirmed</translation>
    </message>
    <message>
      <source>manual</source>
      <translation>manual</translation>
    </message>
    <message>
      <source>automatic</source>
      <translation>automatic</translation>
    </message>
    <message>
      <source>Linking</source>
      <translation>Linking</translation>
    </message>
    <message>
      <source>%1 read as %2, would be corrected to %3 (%4) when you confirm</source>
      <translation>%1 read as %2, would be corrected to %3 (%4) when you confirm</translation>
    </message>
  </context>
  <context>
    <name>LoginDialog</name>
    <message>
      <source>Create administrator</source>
      <translation>Create administrator</translation>
    </message>
    <message>
      <source>Log in</source>
      <translation>Log in</translation>
    </message>
    <message>
      <source>First start: create the administrator account.</source>
      <translation>First start: create the administrator account.</translation>
    </message>
    <message>
      <source>Please log in.</source>
      <translation>Please log in.</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>Username</translation>
    </message>
    <message>
      <source>Full name</source>
      <translation>Full name</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>Password</translation>
    </message>
    <message>
      <source>Repeat password</source>
      <translation>Repeat password</translation>
    </message>
    <message>
      <source>Create</source>
      <translation>Create</translation>
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
      <source>Lock screen</source>
      <translation>Lock screen</translation>
    </message>
    <message>
      <source>Log out / switch user</source>
      <translation>Log out / switch user</translation>
    </message>
    <message>
      <source>Hand over to the archive…</source>
      <translation>Hand over to the archive…</translation>
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
      <source>Settings</source>
      <translation>Settings</translation>
    </message>
    <message>
      <source>Settings saved. %1 take(s) effect after the application is restarted.</source>
      <translation>Settings saved. %1 take(s) effect after the application is restarted.</translation>
    </message>
    <message>
      <source>Settings saved and in effect.</source>
      <translation>Settings saved and in effect.</translation>
    </message>
    <message>
      <source>Hand over to the archive</source>
      <translation>Hand over to the archive</translation>
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
    <name>NewBatchDialog</name>
    <message>
      <source>New batch</source>
      <extracomment>Called on the UI thread when the clerk asks to read the cover: takes the newest camera frame (raises HukouScanError when there is none) and returns the slow part — reading the label in that frame — to run on a worker thread.</extracomment>
      <translation>New batch</translation>
    </message>
    <message>
      <source>e.g. 0101-2026-001</source>
      <translation>e.g. 0101-2026-001</translation>
    </message>
    <message>
      <source>Room</source>
      <translation>Room</translation>
    </message>
    <message>
      <source>Cabinet</source>
      <translation>Cabinet</translation>
    </message>
    <message>
      <source>Shelf</source>
      <translation>Shelf</translation>
    </message>
    <message>
      <source>Box</source>
      <translation>Box</translation>
    </message>
    <message>
      <source>Volume</source>
      <translation>Volume</translation>
    </message>
    <message>
      <source>From page</source>
      <translation>From page</translation>
    </message>
    <message>
      <source>to</source>
      <translation>to</translation>
    </message>
    <message>
      <source>Read from cover</source>
      <translation>Read from cover</translation>
    </message>
    <message>
      <source>Place the volume's cover label under the camera: reads its barcode, QR code or printed archive id.</source>
      <translation>Place the volume's cover label under the camera: reads its barcode, QR code or printed archive id.</translation>
    </message>
    <message>
      <source>Archive id</source>
      <translation>Archive id</translation>
    </message>
    <message>
      <source>Category</source>
      <translation>Category</translation>
    </message>
    <message>
      <source>Paper original location</source>
      <translation>Paper original location</translation>
    </message>
    <message>
      <source>Page range</source>
      <translation>Page range</translation>
    </message>
    <message>
      <source>Expected pages</source>
      <translation>Expected pages</translation>
    </message>
    <message>
      <source>Notes</source>
      <translation>Notes</translation>
    </message>
    <message>
      <source>Start batch</source>
      <translation>Start batch</translation>
    </message>
    <message>
      <source>—</source>
      <translation>—</translation>
    </message>
    <message>
      <source>Reading the cover label…</source>
      <translation>Reading the cover label…</translation>
    </message>
    <message>
      <source>printed text</source>
      <translation>printed text</translation>
    </message>
    <message>
      <source>Archive id read from the cover (%1).</source>
      <translation>Archive id read from the cover (%1).</translation>
    </message>
    <message>
      <source>Check character %1 is correct.</source>
      <translation>Check character %1 is correct.</translation>
    </message>
    <message>
      <source>The cover could not be read: %1</source>
      <translation>The cover could not be read: %1</translation>
    </message>
    <message>
      <source>Please enter the archive id.</source>
      <translation>Please enter the archive id.</translation>
    </message>
  </context>
  <context>
    <name>OcrQueueView</name>
    <message>
      <source>%v of %m pages recognised</source>
      <translation>%v of %m pages recognised</translation>
    </message>
    <message>
      <source>Waiting:</source>
      <translation>Waiting:</translation>
    </message>
    <message>
      <source>Recognising:</source>
      <translation>Recognising:</translation>
    </message>
    <message>
      <source>Done:</source>
      <translation>Done:</translation>
    </message>
    <message>
      <source>Failed:</source>
      <translation>Failed:</translation>
    </message>
    <message>
      <source>Form cells</source>
      <translation>Form cells</translation>
    </message>
    <message>
      <source>Form cells, re-read</source>
      <translation>Form cells, re-read</translation>
    </message>
    <message>
      <source>Whole page</source>
      <translation>Whole page</translation>
    </message>
    <message>
      <source>Cancel waiting pages</source>
      <translation>Cancel waiting pages</translation>
    </message>
    <message>
      <source>Re-run failed and cancelled</source>
      <translation>Re-run failed and cancelled</translation>
    </message>
    <message>
      <source>Page</source>
      <translation>Page</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>Reason</translation>
    </message>
    <message>
      <source>Engine:</source>
      <translation>Engine:</translation>
    </message>
    <message>
      <source>Mode:</source>
      <translation>Mode:</translation>
    </message>
    <message>
      <source>Failed pages</source>
      <translation>Failed pages</translation>
    </message>
    <message>
      <source>%1 page %2</source>
      <translation>%1 page %2</translation>
    </message>
    <message>
      <source>Pause recognition</source>
      <translation>Pause recognition</translation>
    </message>
    <message>
      <source>Start recognition</source>
      <translation>Start recognition</translation>
    </message>
    <message>
      <source>Recognition queue</source>
      <translation>Recognition queue</translation>
    </message>
  </context>
  <context>
    <name>PageViewerView</name>
    <message>
      <source>Zoom in</source>
      <translation>Zoom in</translation>
    </message>
    <message>
      <source>Zoom out</source>
      <translation>Zoom out</translation>
    </message>
    <message>
      <source>Fit</source>
      <translation>Fit</translation>
    </message>
    <message>
      <source>Rotate</source>
      <translation>Rotate</translation>
    </message>
    <message>
      <source>Previous hit</source>
      <translation>Previous hit</translation>
    </message>
    <message>
      <source>Next hit</source>
      <translation>Next hit</translation>
    </message>
    <message>
      <source>Archive no.</source>
      <translation>Archive no.</translation>
    </message>
    <message>
      <source>Page</source>
      <translation>Page</translation>
    </message>
    <message>
      <source>Category</source>
      <translation>Category</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>Station</translation>
    </message>
    <message>
      <source>Captured</source>
      <translation>Captured</translation>
    </message>
    <message>
      <source>State</source>
      <translation>State</translation>
    </message>
    <message>
      <source>Review</source>
      <translation>Review</translation>
    </message>
    <message>
      <source>Sync</source>
      <translation>Sync</translation>
    </message>
    <message>
      <source>Paper original</source>
      <translation>Paper original</translation>
    </message>
    <message>
      <source>All pages of this person</source>
      <translation>All pages of this person</translation>
    </message>
    <message>
      <source>Linked persons</source>
      <translation>Linked persons</translation>
    </message>
    <message>
      <source>Loading…</source>
      <translation>Loading…</translation>
    </message>
    <message>
      <source>The page image is not available on this workstation.</source>
      <translation>The page image is not available on this workstation.</translation>
    </message>
    <message>
      <source>captured</source>
      <translation>captured</translation>
    </message>
    <message>
      <source>processed</source>
      <translation>processed</translation>
    </message>
    <message>
      <source>recognised</source>
      <translation>recognised</translation>
    </message>
    <message>
      <source>linked</source>
      <translation>linked</translation>
    </message>
    <message>
      <source>reviewed</source>
      <translation>reviewed</translation>
    </message>
    <message>
      <source>backed up</source>
      <translation>backed up</translation>
    </message>
    <message>
      <source>failed</source>
      <translation>failed</translation>
    </message>
    <message>
      <source>deleted</source>
      <translation>deleted</translation>
    </message>
    <message>
      <source>not yet backed up</source>
      <translation>not yet backed up</translation>
    </message>
    <message>
      <source>uploaded</source>
      <translation>uploaded</translation>
    </message>
    <message>
      <source>backed up and verified</source>
      <translation>backed up and verified</translation>
    </message>
    <message>
      <source>passed review</source>
      <translation>passed review</translation>
    </message>
    <message>
      <source>awaiting re-capture</source>
      <translation>awaiting re-capture</translation>
    </message>
    <message>
      <source>not reviewed</source>
      <translation>not reviewed</translation>
    </message>
    <message>
      <source>not recorded</source>
      <translation>not recorded</translation>
    </message>
    <message>
      <source>household {0}</source>
      <translation>household {0}</translation>
    </message>
    <message>
      <source>Hit {0} of {1}</source>
      <translation>Hit {0} of {1}</translation>
    </message>
    <message>
      <source>No hits on this page</source>
      <translation>No hits on this page</translation>
    </message>
  </context>
  <context>
    <name>QCalendarWidget</name>
    <message>
      <source>Today</source>
      <translation>Today</translation>
    </message>
  </context>
  <context>
    <name>QFileDialog</name>
    <message>
      <source>&amp;Look in:</source>
      <translation>&amp;Look in:</translation>
    </message>
    <message>
      <source>Files of &amp;type:</source>
      <translation>Files of &amp;type:</translation>
    </message>
  </context>
  <context>
    <name>QaView</name>
    <message>
      <source>Batches awaiting review</source>
      <translation>Batches awaiting review</translation>
    </message>
    <message>
      <source>Refresh</source>
      <translation>Refresh</translation>
    </message>
    <message>
      <source>Run automatic checks</source>
      <translation>Run automatic checks</translation>
    </message>
    <message>
      <source>Draw sample</source>
      <translation>Draw sample</translation>
    </message>
    <message>
      <source>Sample despite check findings</source>
      <translation>Sample despite check findings</translation>
    </message>
    <message>
      <source>No sample</source>
      <translation>No sample</translation>
    </message>
    <message>
      <source>Finish and decide batch</source>
      <translation>Finish and decide batch</translation>
    </message>
    <message>
      <source>Select a page</source>
      <translation>Select a page</translation>
    </message>
    <message>
      <source>Note (optional)</source>
      <translation>Note (optional)</translation>
    </message>
    <message>
      <source>Pass</source>
      <translation>Pass</translation>
    </message>
    <message>
      <source>Fail → re-capture</source>
      <translation>Fail → re-capture</translation>
    </message>
    <message>
      <source>open</source>
      <translation>open</translation>
    </message>
    <message>
      <source>closed</source>
      <translation>closed</translation>
    </message>
    <message>
      <source>in review</source>
      <translation>in review</translation>
    </message>
    <message>
      <source>accepted</source>
      <translation>accepted</translation>
    </message>
    <message>
      <source>rejected</source>
      <translation>rejected</translation>
    </message>
    <message>
      <source>Pages: %1 (expected %2)</source>
      <translation>Pages: %1 (expected %2)</translation>
    </message>
    <message>
      <source>No findings.</source>
      <translation>No findings.</translation>
    </message>
    <message>
      <source>Sample: %1 of %2 pages (rate %3 %, seed %4)</source>
      <translation>Sample: %1 of %2 pages (rate %3 %, seed %4)</translation>
    </message>
    <message>
      <source>Page %1</source>
      <translation>Page %1</translation>
    </message>
    <message>
      <source>Paper pages expected: %1, captured: %2</source>
      <translation>Paper pages expected: %1, captured: %2</translation>
    </message>
    <message>
      <source>OCR fields:</source>
      <translation>OCR fields:</translation>
    </message>
    <message>
      <source>OCR fields: none</source>
      <translation>OCR fields: none</translation>
    </message>
    <message>
      <source>: </source>
      <translation>: </translation>
    </message>
    <message>
      <source>Links:</source>
      <translation>Links:</translation>
    </message>
    <message>
      <source>Links: none</source>
      <translation>Links: none</translation>
    </message>
    <message>
      <source>confirmed</source>
      <translation>confirmed</translation>
    </message>
    <message>
      <source>manual</source>
      <translation>manual</translation>
    </message>
    <message>
      <source>automatic</source>
      <translation>automatic</translation>
    </message>
    <message>
      <source>(%1)</source>
      <translation>(%1)</translation>
    </message>
    <message>
      <source>Image not available</source>
      <translation>Image not available</translation>
    </message>
    <message>
      <source>Batch accepted (pass rate %1).</source>
      <translation>Batch accepted (pass rate %1).</translation>
    </message>
    <message>
      <source>Batch rejected (pass rate %1); failed pages went back to capture.</source>
      <translation>Batch rejected (pass rate %1); failed pages went back to capture.</translation>
    </message>
      <message>
      <source>Page %1: </source>
      <translation>Page %1: </translation>
    </message>
</context>
  <context>
    <name>RegistryImportDialog</name>
    <message>
      <source>Import registry</source>
      <translation>Import registry</translation>
    </message>
    <message>
      <source>CSV or Excel file exported from the population system</source>
      <translation>CSV or Excel file exported from the population system</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>Browse…</translation>
    </message>
    <message>
      <source>Detect automatically</source>
      <translation>Detect automatically</translation>
    </message>
    <message>
      <source>File:</source>
      <translation>File:</translation>
    </message>
    <message>
      <source>Encoding:</source>
      <translation>Encoding:</translation>
    </message>
    <message>
      <source>Field</source>
      <translation>Field</translation>
    </message>
    <message>
      <source>Column in file</source>
      <translation>Column in file</translation>
    </message>
    <message>
      <source>(not imported)</source>
      <translation>(not imported)</translation>
    </message>
    <message>
      <source>Refresh preview</source>
      <translation>Refresh preview</translation>
    </message>
    <message>
      <source>Import</source>
      <translation>Import</translation>
    </message>
    <message>
      <source>Cancel import</source>
      <translation>Cancel import</translation>
    </message>
    <message>
      <source>Save rejected rows…</source>
      <translation>Save rejected rows…</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>Close</translation>
    </message>
    <message>
      <source>Column mapping (recognised automatically, change if needed)</source>
      <translation>Column mapping (recognised automatically, change if needed)</translation>
    </message>
    <message>
      <source>Preview of the first rows (rows with problems in red)</source>
      <translation>Preview of the first rows (rows with problems in red)</translation>
    </message>
    <message>
      <source>Name (姓名)</source>
      <translation>Name (姓名)</translation>
    </message>
    <message>
      <source>Former name</source>
      <translation>Former name</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>ID number</translation>
    </message>
    <message>
      <source>Sex</source>
      <translation>Sex</translation>
    </message>
    <message>
      <source>Ethnicity</source>
      <translation>Ethnicity</translation>
    </message>
    <message>
      <source>Birth date</source>
      <translation>Birth date</translation>
    </message>
    <message>
      <source>Household number</source>
      <translation>Household number</translation>
    </message>
    <message>
      <source>Head of household</source>
      <translation>Head of household</translation>
    </message>
    <message>
      <source>Relation to head</source>
      <translation>Relation to head</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>Address</translation>
    </message>
    <message>
      <source>Police station</source>
      <translation>Police station</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>Status</translation>
    </message>
    <message>
      <source>Registration date</source>
      <translation>Registration date</translation>
    </message>
    <message>
      <source>Status change date</source>
      <translation>Status change date</translation>
    </message>
    <message>
      <source>Record number</source>
      <translation>Record number</translation>
    </message>
    <message>
      <source>Reading the file…</source>
      <translation>Reading the file…</translation>
    </message>
    <message>
      <source>Importing…</source>
      <translation>Importing…</translation>
    </message>
    <message>
      <source>Choose a registry export</source>
      <translation>Choose a registry export</translation>
    </message>
    <message>
      <source>Registry exports (*.csv *.txt *.xlsx)</source>
      <translation>Registry exports (*.csv *.txt *.xlsx)</translation>
    </message>
    <message>
      <source>Save rejected rows</source>
      <translation>Save rejected rows</translation>
    </message>
    <message numerus="yes">
      <source>%n rejected row(s) saved.</source>
      <translation>
        <numerusform>%n rejected row(s) saved.</numerusform>
        <numerusform>%n rejected row(s) saved.</numerusform>
      </translation>
    </message>
    <message>
      <source>Excel workbook</source>
      <translation>Excel workbook</translation>
    </message>
    <message>
      <source>Detected: %1</source>
      <translation>Detected: %1</translation>
    </message>
    <message>
      <source>%1 of the first %2 rows have problems; they will be skipped and reported.</source>
      <translation>%1 of the first %2 rows have problems; they will be skipped and reported.</translation>
    </message>
    <message>
      <source>No name column recognised: choose it in the mapping.</source>
      <translation>No name column recognised: choose it in the mapping.</translation>
    </message>
    <message>
      <source>All rows read; building the lookup indexes…</source>
      <translation>All rows read; building the lookup indexes…</translation>
    </message>
    <message>
      <source>Imported %1 rows: %2 added, %3 updated, %4 rejected.</source>
      <translation>Imported %1 rows: %2 added, %3 updated, %4 rejected.</translation>
    </message>
    <message>
      <source>Import cancelled; importing the same file again resumes it.</source>
      <translation>Import cancelled; importing the same file again resumes it.</translation>
    </message>
  </context>
  <context>
    <name>SearchResultsModel</name>
    <message>
      <source>page {0}</source>
      <translation>page {0}</translation>
    </message>
    <message>
      <source>field match</source>
      <translation>field match</translation>
    </message>
    <message>
      <source>number/name prefix</source>
      <translation>number/name prefix</translation>
    </message>
    <message>
      <source>metadata</source>
      <translation>metadata</translation>
    </message>
    <message>
      <source>page text</source>
      <translation>page text</translation>
    </message>
    <message>
      <source>filter</source>
      <translation>filter</translation>
    </message>
  </context>
  <context>
    <name>SearchView</name>
    <message>
      <source>Name, ID number, household number, words on the page…</source>
      <translation>Name, ID number, household number, words on the page…</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>Search</translation>
    </message>
    <message>
      <source>All stations</source>
      <translation>All stations</translation>
    </message>
    <message>
      <source>All categories</source>
      <translation>All categories</translation>
    </message>
    <message>
      <source>Linked or not</source>
      <translation>Linked or not</translation>
    </message>
    <message>
      <source>Linked to persons</source>
      <translation>Linked to persons</translation>
    </message>
    <message>
      <source>Not linked</source>
      <translation>Not linked</translation>
    </message>
    <message>
      <source>Any review state</source>
      <translation>Any review state</translation>
    </message>
    <message>
      <source>Not reviewed</source>
      <translation>Not reviewed</translation>
    </message>
    <message>
      <source>Passed review</source>
      <translation>Passed review</translation>
    </message>
    <message>
      <source>Awaiting re-capture</source>
      <translation>Awaiting re-capture</translation>
    </message>
    <message>
      <source>Captured between</source>
      <translation>Captured between</translation>
    </message>
    <message>
      <source>Batch archive no.</source>
      <translation>Archive no.</translation>
    </message>
    <message>
      <source>Searching…</source>
      <translation>Searching…</translation>
    </message>
    <message>
      <source> (more: refine the query)</source>
      <translation> (more: refine the query)</translation>
    </message>
    <message>
      <source>{0} results in {1} ms</source>
      <translation>{0} results in {1} ms</translation>
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
      <source>(takes effect after restart)</source>
      <translation>(takes effect after restart)</translation>
    </message>
    <message>
      <source>All other settings apply as soon as you save (backup target, OCR engine, image format…).</source>
      <translation>All other settings apply as soon as you save (backup target, OCR engine, image format…).</translation>
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
    <name>SyncView</name>
    <message>
      <source>Target:</source>
      <translation>Target:</translation>
    </message>
    <message>
      <source>Pages:</source>
      <translation>Pages:</translation>
    </message>
    <message>
      <source>Objects:</source>
      <translation>Objects:</translation>
    </message>
    <message>
      <source>State:</source>
      <translation>State:</translation>
    </message>
    <message>
      <source>Last error:</source>
      <translation>Last error:</translation>
    </message>
    <message>
      <source>Sync now</source>
      <translation>Sync now</translation>
    </message>
    <message>
      <source>Verify cloud copy</source>
      <translation>Verify cloud copy</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>Cancel</translation>
    </message>
    <message>
      <source>Archive no.</source>
      <translation>Archive no.</translation>
    </message>
    <message>
      <source>Page</source>
      <translation>Page</translation>
    </message>
    <message>
      <source>Sync state</source>
      <translation>Sync state</translation>
    </message>
    <message>
      <source>Local only</source>
      <translation>Local only</translation>
    </message>
    <message>
      <source>Uploaded</source>
      <translation>Uploaded</translation>
    </message>
    <message>
      <source>Verified</source>
      <translation>Verified</translation>
    </message>
    <message>
      <source>(not configured)</source>
      <translation>(not configured)</translation>
    </message>
    <message>
      <source>{verified} verified, {uploaded} uploaded, {local} local</source>
      <translation>{verified} verified, {uploaded} uploaded, {local} local</translation>
    </message>
    <message>
      <source>{verified} verified, {pending} pending, {failed} failed</source>
      <translation>{verified} verified, {pending} pending, {failed} failed</translation>
    </message>
    <message>
      <source>Syncing…</source>
      <translation>Syncing…</translation>
    </message>
    <message>
      <source>Offline – will retry automatically</source>
      <translation>Offline – will retry automatically</translation>
    </message>
    <message>
      <source>Idle</source>
      <translation>Idle</translation>
    </message>
    <message>
      <source>Upload requests:</source>
      <translation>Upload requests:</translation>
    </message>
    <message>
      <source>{waiting} waiting, {failed} failed</source>
      <translation>{waiting} waiting, {failed} failed</translation>
    </message>
    <message>
      <source>Upload failed – next try at {time}</source>
      <translation>Upload failed – next try at {time}</translation>
    </message>
    <message>
      <source>Upload failed after repeated tries – use Sync now</source>
      <translation>Upload failed after repeated tries – use Sync now</translation>
    </message>
    <message>
      <source>Upload waiting</source>
      <translation>Upload waiting</translation>
    </message>
  </context>
  <context>
    <name>UnlockDialog</name>
    <message>
      <source>Screen locked</source>
      <translation>Screen locked</translation>
    </message>
    <message>
      <source>Locked after inactivity. Enter the password of %1.</source>
      <translation>Locked after inactivity. Enter the password of %1.</translation>
    </message>
    <message>
      <source>Unlock</source>
      <translation>Unlock</translation>
    </message>
    <message>
      <source>Log out / switch user</source>
      <translation>Log out / switch user</translation>
    </message>
    <message>
      <source>Ends this session; the next user logs in. The application keeps running.</source>
      <translation>Ends this session; the next user logs in. The application keeps running.</translation>
    </message>
  </context>
  <context>
    <name>UserEditDialog</name>
    <message>
      <source>Edit user</source>
      <translation>Edit user</translation>
    </message>
    <message>
      <source>New user</source>
      <translation>New user</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>Username</translation>
    </message>
    <message>
      <source>Full name</source>
      <translation>Full name</translation>
    </message>
    <message>
      <source>Initial password</source>
      <translation>Initial password</translation>
    </message>
    <message>
      <source>Clerk (capture, link)</source>
      <translation>Clerk (capture, link)</translation>
    </message>
    <message>
      <source>Reviewer (review, QA)</source>
      <translation>Reviewer (review, QA)</translation>
    </message>
    <message>
      <source>Searcher (search, view, export)</source>
      <translation>Searcher (search, view, export)</translation>
    </message>
    <message>
      <source>Administrator</source>
      <translation>Administrator</translation>
    </message>
    <message>
      <source>Roles</source>
      <translation>Roles</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>Station</translation>
    </message>
    <message>
      <source>May work on all stations</source>
      <translation>May work on all stations</translation>
    </message>
  </context>
  <context>
    <name>UsersDialog</name>
    <message>
      <source>Users</source>
      <translation>Users</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>Username</translation>
    </message>
    <message>
      <source>Full name</source>
      <translation>Full name</translation>
    </message>
    <message>
      <source>Roles</source>
      <translation>Roles</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>Station</translation>
    </message>
    <message>
      <source>State</source>
      <translation>State</translation>
    </message>
    <message>
      <source>Last login</source>
      <translation>Last login</translation>
    </message>
    <message>
      <source>Add…</source>
      <translation>Add…</translation>
    </message>
    <message>
      <source>Edit…</source>
      <translation>Edit…</translation>
    </message>
    <message>
      <source>Reset password…</source>
      <translation>Reset password…</translation>
    </message>
    <message>
      <source>Unlock</source>
      <translation>Unlock</translation>
    </message>
    <message>
      <source>Disable / enable</source>
      <translation>Disable / enable</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>Close</translation>
    </message>
    <message>
      <source>Clerk</source>
      <translation>Clerk</translation>
    </message>
    <message>
      <source>Reviewer</source>
      <translation>Reviewer</translation>
    </message>
    <message>
      <source>Searcher</source>
      <translation>Searcher</translation>
    </message>
    <message>
      <source>Administrator</source>
      <translation>Administrator</translation>
    </message>
    <message>
      <source>active</source>
      <translation>active</translation>
    </message>
    <message>
      <source>disabled</source>
      <translation>disabled</translation>
    </message>
    <message>
      <source>locked</source>
      <translation>locked</translation>
    </message>
    <message>
      <source>all stations</source>
      <translation>all stations</translation>
    </message>
    <message>
      <source>Reset password</source>
      <translation>Reset password</translation>
    </message>
    <message>
      <source>Temporary password (the user must change it at login):</source>
      <translation>Temporary password (the user must change it at login):</translation>
    </message>
    <message>
      <source>Disable user</source>
      <translation>Disable user</translation>
    </message>
    <message>
      <source>Disable this user?</source>
      <translation>Disable this user?</translation>
    </message>
  </context>
  <context>
    <name>WarningsView</name>
    <message>
      <source>Run checks</source>
      <translation>Run checks</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>Cancel</translation>
    </message>
    <message>
      <source>Export CSV…</source>
      <translation>Export CSV…</translation>
    </message>
    <message>
      <source>Rule</source>
      <translation>Rule</translation>
    </message>
    <message>
      <source>Count</source>
      <translation>Count</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>Station</translation>
    </message>
    <message>
      <source>Household</source>
      <translation>Household</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>Name</translation>
    </message>
    <message>
      <source>Finding</source>
      <translation>Finding</translation>
    </message>
    <message>
      <source>Persons</source>
      <translation>Persons</translation>
    </message>
    <message>
      <source>With warnings</source>
      <translation>With warnings</translation>
    </message>
    <message>
      <source>Share</source>
      <translation>Share</translation>
    </message>
    <message>
      <source>Rules</source>
      <translation>Rules</translation>
    </message>
    <message>
      <source>Share of persons with warnings per station</source>
      <translation>Share of persons with warnings per station</translation>
    </message>
    <message>
      <source>Findings of the selected rule</source>
      <translation>Findings of the selected rule</translation>
    </message>
    <message>
      <source>Checking…</source>
      <translation>Checking…</translation>
    </message>
    <message numerus="yes">
      <source>%n finding(s) exported.</source>
      <translation>
        <numerusform>%n finding(s) exported.</numerusform>
        <numerusform>%n finding(s) exported.</numerusform>
      </translation>
    </message>
    <message>
      <source>Export findings</source>
      <translation>Export findings</translation>
    </message>
    <message numerus="yes">
      <source>%n finding(s).</source>
      <translation>
        <numerusform>%n finding(s).</numerusform>
        <numerusform>%n finding(s).</numerusform>
      </translation>
    </message>
  </context>
</TS>