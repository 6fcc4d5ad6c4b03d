<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
  <context>
    <name />
    <message>
      <source>An unexpected error occurred: %1</source>
      <translation>发生意外错误：%1</translation>
    </message>
    <message>
      <source>Pages already captured are saved and were not affected.</source>
      <translation>已采集的页面均已保存，未受影响。</translation>
    </message>
    <message>
      <source>If this keeps happening, send the log file to your administrator: %1</source>
      <translation>如果问题反复出现，请将日志文件发送给管理员：%1</translation>
    </message>
    <message>
      <source>Error</source>
      <translation>错误</translation>
    </message>
    <message>
      <source>User: %1</source>
      <translation>用户：%1</translation>
    </message>
    <message>
      <source>Simulated camera: loaded %1 fictional persons of the sample registry.</source>
      <translation>模拟高拍仪：已载入示例户籍数据中的 %1 名虚构人员。</translation>
    </message>
    <message>
      <source>No backup target is configured (Settings → Backup storage).</source>
      <translation>尚未配置备份目标（设置 → 备份存储）。</translation>
    </message>
    <message>
      <source>%1 page image(s) recorded in the archive could not be read on this workstation.</source>
      <translation>本工作站有 %1 个页面图像无法读取（档案中有这些页面的记录）。</translation>
    </message>
    <message>
      <source>%1 file(s) are no longer in the data folder.</source>
      <translation>其中 %1 个文件已不在数据文件夹中。</translation>
    </message>
    <message>
      <source>%1 file(s) are damaged (their content changed after they were saved).</source>
      <translation>其中 %1 个文件已损坏（保存后内容被改动）。</translation>
    </message>
    <message>
      <source>%1 page %2</source>
      <translation>%1 第%2页</translation>
    </message>
    <message>
      <source>Affected pages: %1</source>
      <translation>涉及的页面：%1</translation>
    </message>
    <message>
      <source>These pages cannot be viewed, exported or backed up until their images are back. Nothing else is affected; capture and search go on normally.</source>
      <translation>在图像恢复之前，这些页面无法查看、导出或备份。其他页面不受影响，采集和查询可照常进行。</translation>
    </message>
    <message>
      <source>What to do: check that the disk or network share holding the data folder (%1) is connected; if the files are really gone, restore them from the backup storage or re-capture the pages listed above from the paper originals. The log file has details: %2</source>
      <translation>处理办法：请检查存放数据文件夹（%1）的磁盘或网络共享是否已连接；如果文件确实丢失，请从备份存储中恢复，或根据纸质原件重新采集上面列出的页面。详细情况见日志文件：%2</translation>
    </message>
    <message>
      <source>Page store check</source>
      <translation>页面存储检查</translation>
    </message>
    <message>
      <source>Keyboard shortcuts</source>
      <translation>快捷键一览</translation>
    </message>
    <message>
      <source>Action</source>
      <translation>操作</translation>
    </message>
    <message>
      <source>Shortcut</source>
      <translation>快捷键</translation>
    </message>
    <message>
      <source>Capture</source>
      <translation>采集</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>查询</translation>
    </message>
    <message>
      <source>Review</source>
      <translation>审核</translation>
    </message>
    <message>
      <source>Data quality</source>
      <translation>数据质量</translation>
    </message>
    <message>
      <source>Statistics</source>
      <translation>统计</translation>
    </message>
    <message>
      <source>Backup</source>
      <translation>备份</translation>
    </message>
    <message>
      <source>OCR queue</source>
      <translation>识别队列</translation>
    </message>
    <message>
      <source>Audit log</source>
      <translation>审计日志</translation>
    </message>
    <message>
      <source>Export PDF…</source>
      <translation>导出 PDF…</translation>
    </message>
    <message>
      <source>Import registry…</source>
      <translation>导入户籍数据…</translation>
    </message>
    <message>
      <source>Users…</source>
      <translation>用户管理…</translation>
    </message>
    <message>
      <source>Birth</source>
      <translation>出生</translation>
    </message>
    <message>
      <source>Death</source>
      <translation>死亡</translation>
    </message>
    <message>
      <source>Moved in</source>
      <translation>迁入</translation>
    </message>
    <message>
      <source>Moved out</source>
      <translation>迁出</translation>
    </message>
    <message>
      <source>Changes and corrections</source>
      <translation>项目变更更正</translation>
    </message>
    <message>
      <source>Cancellation and restoration</source>
      <translation>注销和恢复</translation>
    </message>
    <message>
      <source>Resident identity card</source>
      <translation>居民身份证件</translation>
    </message>
    <message>
      <source>Archive management</source>
      <translation>档案管理</translation>
    </message>
    <message>
      <source>room %1</source>
      <translation>%1库房</translation>
    </message>
    <message>
      <source>cabinet %1</source>
      <translation>%1柜</translation>
    </message>
    <message>
      <source>shelf %1</source>
      <translation>%1架</translation>
    </message>
    <message>
      <source>box %1</source>
      <translation>%1盒</translation>
    </message>
    <message>
      <source>volume %1</source>
      <translation>%1卷</translation>
    </message>
    <message>
      <source>pages %1-%2</source>
      <translation>第%1-%2页</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Former name</source>
      <translation>曾用名</translation>
    </message>
    <message>
      <source>Citizen ID number</source>
      <translation>公民身份号码</translation>
    </message>
    <message>
      <source>Sex</source>
      <translation>性别</translation>
    </message>
    <message>
      <source>Ethnicity</source>
      <translation>民族</translation>
    </message>
    <message>
      <source>Date of birth</source>
      <translation>出生日期</translation>
    </message>
    <message>
      <source>Household number</source>
      <translation>户号</translation>
    </message>
    <message>
      <source>Head of household</source>
      <translation>户主姓名</translation>
    </message>
    <message>
      <source>Relation to head</source>
      <translation>与户主关系</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>住址</translation>
    </message>
    <message>
      <source>Place of birth</source>
      <translation>出生地</translation>
    </message>
    <message>
      <source>Native place</source>
      <translation>籍贯</translation>
    </message>
    <message>
      <source>Printed page number</source>
      <translation>印刷页码</translation>
    </message>
  </context>
  <context>
    <name>AuditTableModel</name>
    <message>
      <source>No.</source>
      <translation>序号</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>时间</translation>
    </message>
    <message>
      <source>User</source>
      <translation>用户</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>工作站</translation>
    </message>
    <message>
      <source>Action</source>
      <translation>操作</translation>
    </message>
    <message>
      <source>Target</source>
      <translation>对象</translation>
    </message>
    <message>
      <source>Outcome</source>
      <translation>结果</translation>
    </message>
    <message>
      <source>Details</source>
      <translation>详情</translation>
    </message>
    <message>
      <source>ok</source>
      <translation>成功</translation>
    </message>
    <message>
      <source>failed</source>
      <translation>失败</translation>
    </message>
    <message>
      <source>denied</source>
      <translation>被拒绝</translation>
    </message>
    <message>
      <source>locked</source>
      <translation>已锁定</translation>
    </message>
    <message>
      <source>Log in</source>
      <translation>登录</translation>
    </message>
    <message>
      <source>Log out</source>
      <translation>注销</translation>
    </message>
    <message>
      <source>Account locked</source>
      <translation>账户锁定</translation>
    </message>
    <message>
      <source>Screen locked</source>
      <translation>锁定屏幕</translation>
    </message>
    <message>
      <source>Screen unlocked</source>
      <translation>解锁屏幕</translation>
    </message>
    <message>
      <source>Password changed</source>
      <translation>修改密码</translation>
    </message>
    <message>
      <source>Password reset</source>
      <translation>重置密码</translation>
    </message>
    <message>
      <source>User created</source>
      <translation>新建用户</translation>
    </message>
    <message>
      <source>User changed</source>
      <translation>修改用户</translation>
    </message>
    <message>
      <source>User unlocked</source>
      <translation>解锁用户</translation>
    </message>
    <message>
      <source>Permission denied</source>
      <translation>权限不足被拒</translation>
    </message>
    <message>
      <source>Settings changed</source>
      <translation>修改设置</translation>
    </message>
    <message>
      <source>New batch</source>
      <translation>新建批次</translation>
    </message>
    <message>
      <source>Close batch</source>
      <translation>结束批次</translation>
    </message>
    <message>
      <source>Capture</source>
      <translation>拍摄页面</translation>
    </message>
    <message>
      <source>Import file</source>
      <translation>导入文件</translation>
    </message>
    <message>
      <source>Re-capture page</source>
      <translation>重拍页面</translation>
    </message>
    <message>
      <source>Rotate page</source>
      <translation>旋转页面</translation>
    </message>
    <message>
      <source>Reorder pages</source>
      <translation>调整页序</translation>
    </message>
    <message>
      <source>Delete page</source>
      <translation>删除页面</translation>
    </message>
    <message>
      <source>Undo delete</source>
      <translation>撤销删除</translation>
    </message>
    <message>
      <source>Reprocess page</source>
      <translation>重新处理页面</translation>
    </message>
    <message>
      <source>Link</source>
      <translation>关联</translation>
    </message>
    <message>
      <source>Unlink</source>
      <translation>取消关联</translation>
    </message>
    <message>
      <source>Import registry</source>
      <translation>导入户籍数据</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>查询</translation>
    </message>
    <message>
      <source>Rebuild search index</source>
      <translation>重建检索索引</translation>
    </message>
    <message>
      <source>View page</source>
      <translation>查看页面</translation>
    </message>
    <message>
      <source>View person</source>
      <translation>查看人员</translation>
    </message>
    <message>
      <source>Show full ID number</source>
      <translation>显示完整公民身份号码</translation>
    </message>
    <message>
      <source>Export</source>
      <translation>导出</translation>
    </message>
    <message>
      <source>Export warnings</source>
      <translation>导出预警</translation>
    </message>
    <message>
      <source>Data-quality check</source>
      <translation>数据质量检查</translation>
    </message>
    <message>
      <source>Draw QA sample</source>
      <translation>抽取抽检样本</translation>
    </message>
    <message>
      <source>QA verdict</source>
      <translation>抽检评定</translation>
    </message>
    <message>
      <source>Batch decision</source>
      <translation>批次判定</translation>
    </message>
    <message>
      <source>QA re-capture</source>
      <translation>抽检退回重拍</translation>
    </message>
    <message>
      <source>View statistics</source>
      <translation>查看统计</translation>
    </message>
    <message>
      <source>Sync</source>
      <translation>同步</translation>
    </message>
    <message>
      <source>Restore</source>
      <translation>恢复</translation>
    </message>
    <message>
      <source>View audit log</source>
      <translation>查看审计日志</translation>
    </message>
    <message>
      <source>Verify audit chain</source>
      <translation>校验审计日志链</translation>
    </message>
    <message>
      <source>backup</source>
      <translation>备份</translation>
    </message>
    <message>
      <source>text recognition</source>
      <translation>文字识别</translation>
    </message>
    <message>
      <source>image processing</source>
      <translation>图像处理</translation>
    </message>
    <message>
      <source>start-up check</source>
      <translation>启动检查</translation>
    </message>
    <message>
      <source>pages</source>
      <translation>页数</translation>
    </message>
    <message>
      <source>rows</source>
      <translation>行数</translation>
    </message>
    <message>
      <source>results</source>
      <translation>结果数</translation>
    </message>
    <message>
      <source>query</source>
      <translation>检索词</translation>
    </message>
    <message>
      <source>purpose</source>
      <translation>用途</translation>
    </message>
    <message>
      <source>reason</source>
      <translation>原因</translation>
    </message>
    <message>
      <source>error</source>
      <translation>错误</translation>
    </message>
    <message>
      <source>failed attempts</source>
      <translation>失败次数</translation>
    </message>
    <message>
      <source>batch</source>
      <translation>批次</translation>
    </message>
    <message>
      <source>capture no.</source>
      <translation>采集序号</translation>
    </message>
    <message>
      <source>rotation</source>
      <translation>旋转</translation>
    </message>
    <message>
      <source>new page</source>
      <translation>新页面</translation>
    </message>
    <message>
      <source>person</source>
      <translation>人员</translation>
    </message>
    <message>
      <source>method</source>
      <translation>方式</translation>
    </message>
    <message>
      <source>score</source>
      <translation>得分</translation>
    </message>
    <message>
      <source>roles</source>
      <translation>角色</translation>
    </message>
    <message>
      <source>archive no.</source>
      <translation>档号</translation>
    </message>
    <message>
      <source>category</source>
      <translation>类别</translation>
    </message>
    <message>
      <source>file</source>
      <translation>文件</translation>
    </message>
    <message>
      <source>expected pages</source>
      <translation>应有页数</translation>
    </message>
    <message>
      <source>paper returned</source>
      <translation>纸质原件已归还</translation>
    </message>
    <message>
      <source>engine</source>
      <translation>引擎</translation>
    </message>
    <message>
      <source>jobs</source>
      <translation>任务数</translation>
    </message>
    <message>
      <source>content</source>
      <translation>内容</translation>
    </message>
    <message>
      <source>changes</source>
      <translation>更改</translation>
    </message>
    <message>
      <source>checked</source>
      <translation>已检查</translation>
    </message>
    <message>
      <source>problems</source>
      <translation>问题数</translation>
    </message>
    <message>
      <source>files moved to quarantine</source>
      <translation>移至隔离区的文件</translation>
    </message>
    <message>
      <source>temporary files removed</source>
      <translation>清除的临时文件</translation>
    </message>
    <message>
      <source>uploaded</source>
      <translation>已上传</translation>
    </message>
    <message>
      <source>first start</source>
      <translation>首次启动</translation>
    </message>
    <message>
      <source>where</source>
      <translation>位置</translation>
    </message>
    <message>
      <source>verdict</source>
      <translation>结论</translation>
    </message>
    <message>
      <source>decision</source>
      <translation>决定</translation>
    </message>
    <message>
      <source>source</source>
      <translation>来源</translation>
    </message>
    <message>
      <source>all stations</source>
      <translation>所有工作站</translation>
    </message>
    <message>
      <source>wrong password</source>
      <translation>密码错误</translation>
    </message>
    <message>
      <source>unknown user</source>
      <translation>用户不存在</translation>
    </message>
    <message>
      <source>invalid user name</source>
      <translation>用户名无效</translation>
    </message>
    <message>
      <source>input too long</source>
      <translation>输入过长</translation>
    </message>
    <message>
      <source>account disabled</source>
      <translation>账号已停用</translation>
    </message>
    <message>
      <source>another station's data</source>
      <translation>其他工作站的数据</translation>
    </message>
    <message>
      <source>no anchor on the backup</source>
      <translation>备份中没有校验锚点</translation>
    </message>
    <message>
      <source>Administrator</source>
      <translation>管理员</translation>
    </message>
    <message>
      <source>Clerk</source>
      <translation>采集员</translation>
    </message>
    <message>
      <source>Reviewer</source>
      <translation>审核员</translation>
    </message>
    <message>
      <source>Searcher</source>
      <translation>查询员</translation>
    </message>
    <message>
      <source>spot check</source>
      <translation>抽检</translation>
    </message>
    <message>
      <source>by station</source>
      <translation>按工作站</translation>
    </message>
    <message>
      <source>by batch</source>
      <translation>按批次</translation>
    </message>
    <message>
      <source>by day</source>
      <translation>按日期</translation>
    </message>
    <message>
      <source>by clerk</source>
      <translation>按采集员</translation>
    </message>
    <message>
      <source>statistics (CSV)</source>
      <translation>统计表（CSV）</translation>
    </message>
    <message>
      <source>rejected registry rows</source>
      <translation>户籍导入被拒行</translation>
    </message>
    <message>
      <source>audit log (CSV)</source>
      <translation>审计日志（CSV）</translation>
    </message>
    <message>
      <source>: </source>
      <translation>：</translation>
    </message>
    <message>
      <source>; </source>
      <translation>；</translation>
    </message>
    <message>
      <source>, </source>
      <translation>、</translation>
    </message>
    <message>
      <source>(nobody logged in)</source>
      <translation>（未登录）</translation>
    </message>
    <message>
      <source>System (%1)</source>
      <translation>系统（%1）</translation>
    </message>
    <message>
      <source>%1 (%2)</source>
      <translation>%1（%2）</translation>
    </message>
    <message>
      <source>%1 page %2</source>
      <translation>%1 第%2页</translation>
    </message>
    <message>
      <source>batch %1</source>
      <translation>批次 %1</translation>
    </message>
    <message>
      <source>yes</source>
      <translation>是</translation>
    </message>
    <message>
      <source>no</source>
      <translation>否</translation>
    </message>
      <message>
      <source>display name</source>
      <translation>显示名</translation>
    </message>
    <message>
      <source>station</source>
      <translation>工作站</translation>
    </message>
    <message>
      <source>account enabled</source>
      <translation>账号启用</translation>
    </message>
    <message>
      <source>backup target</source>
      <translation>备份目标</translation>
    </message>
    <message>
      <source>language</source>
      <translation>界面语言</translation>
    </message>
    <message>
      <source>station code</source>
      <translation>派出所代码</translation>
    </message>
    <message>
      <source>station name</source>
      <translation>派出所名称</translation>
    </message>
    <message>
      <source>text recognition engine</source>
      <translation>文字识别引擎</translation>
    </message>
    <message>
      <source>master image format</source>
      <translation>母版图像格式</translation>
    </message>
    <message>
      <source>camera</source>
      <translation>高拍仪</translation>
    </message>
    <message>
      <source>JPEG quality</source>
      <translation>JPEG 质量</translation>
    </message>
    <message>
      <source>target resolution (dpi)</source>
      <translation>目标分辨率（dpi）</translation>
    </message>
    <message>
      <source>text recognition processes</source>
      <translation>文字识别进程数</translation>
    </message>
    <message>
      <source>text recognition time limit (s)</source>
      <translation>文字识别时限（秒）</translation>
    </message>
    <message>
      <source>screen lock after idle (minutes)</source>
      <translation>空闲锁屏（分钟）</translation>
    </message>
    <message>
      <source>not logged in</source>
      <translation>未登录</translation>
    </message>
    <message>
      <source>(not set)</source>
      <translation>（未设置）</translation>
    </message>
</context>
  <context>
    <name>AuditView</name>
    <message>
      <source>User</source>
      <translation>用户</translation>
    </message>
    <message>
      <source>Any outcome</source>
      <translation>全部结果</translation>
    </message>
    <message>
      <source>Target contains…</source>
      <translation>对象包含…</translation>
    </message>
    <message>
      <source>Filter</source>
      <translation>筛选</translation>
    </message>
    <message>
      <source>From</source>
      <translation>从</translation>
    </message>
    <message>
      <source>to</source>
      <translation>至</translation>
    </message>
    <message>
      <source>Verify chain</source>
      <translation>校验日志链</translation>
    </message>
    <message>
      <source>Export CSV…</source>
      <translation>导出 CSV…</translation>
    </message>
    <message>
      <source>Any action</source>
      <translation>全部操作</translation>
    </message>
    <message numerus="yes">
      <source>%n event(s)</source>
      <translation>
        <numerusform>%n 条记录</numerusform>
      </translation>
    </message>
    <message>
      <source>Audit chain intact: %1 events.</source>
      <translation>审计日志链完整：共 %1 条记录。</translation>
    </message>
    <message>
      <source>Audit chain BROKEN: %1 problem(s).</source>
      <translation>审计日志链已被破坏：发现 %1 处问题！</translation>
    </message>
    <message>
      <source>Export audit log</source>
      <translation>导出审计日志</translation>
    </message>
    <message>
      <source>Export purpose</source>
      <translation>导出用途</translation>
    </message>
    <message>
      <source>Purpose of this export:</source>
      <translation>本次导出的用途：</translation>
    </message>
    <message>
      <source>Exported to %1</source>
      <translation>已导出到 %1</translation>
    </message>
  </context>
  <context>
    <name>CameraDialog</name>
    <message>
      <source>Camera</source>
      <translation>高拍仪</translation>
    </message>
    <message>
      <source>Simulated camera</source>
      <translation>模拟高拍仪</translation>
    </message>
    <message>
      <source>or a stream URL: http://… / rtsp://…</source>
      <translation>或视频流地址：http://… / rtsp://…</translation>
    </message>
    <message>
      <source>Device</source>
      <translation>设备</translation>
    </message>
    <message>
      <source>Granted by the driver</source>
      <translation>驱动实际设置</translation>
    </message>
    <message>
      <source>Auto exposure</source>
      <translation>自动曝光</translation>
    </message>
    <message>
      <source>Exposure</source>
      <translation>曝光</translation>
    </message>
    <message>
      <source>Autofocus</source>
      <translation>自动对焦</translation>
    </message>
    <message>
      <source>Focus</source>
      <translation>对焦</translation>
    </message>
    <message>
      <source>Auto white balance</source>
      <translation>自动白平衡</translation>
    </message>
    <message>
      <source>White balance (K)</source>
      <translation>白平衡（K）</translation>
    </message>
    <message>
      <source>Brightness</source>
      <translation>亮度</translation>
    </message>
    <message>
      <source>set</source>
      <translation>设定</translation>
    </message>
    <message>
      <source>(not connected)</source>
      <translation>（未连接）</translation>
    </message>
    <message>
      <source>asked for %1</source>
      <translation>请求 %1</translation>
    </message>
  </context>
  <context>
    <name>CaptureView</name>
    <message>
      <source>No batch open</source>
      <translation>未打开批次</translation>
    </message>
    <message>
      <source>New batch…</source>
      <translation>新建批次…</translation>
    </message>
    <message>
      <source>Close batch…</source>
      <translation>结束批次…</translation>
    </message>
    <message>
      <source>Import files…</source>
      <translation>导入文件…</translation>
    </message>
    <message>
      <source>Camera…</source>
      <translation>高拍仪…</translation>
    </message>
    <message>
      <source>Auto-capture</source>
      <translation>自动拍摄</translation>
    </message>
    <message>
      <source>Connecting to the camera…</source>
      <translation>正在连接高拍仪…</translation>
    </message>
    <message>
      <source>Capture (Space)</source>
      <translation>拍摄（空格）</translation>
    </message>
    <message>
      <source>Insert before</source>
      <translation>在前插入</translation>
    </message>
    <message>
      <source>Re-capture</source>
      <translation>重拍</translation>
    </message>
    <message>
      <source>Page corners…</source>
      <translation>页面四角…</translation>
    </message>
    <message>
      <source>Split / join spread</source>
      <translation>拆分/合并跨页</translation>
    </message>
    <message>
      <source>Flatten curved page</source>
      <translation>曲面展平</translation>
    </message>
    <message>
      <source>Rotate 90° left</source>
      <translation>向左旋转 90°</translation>
    </message>
    <message>
      <source>Rotate 90° right</source>
      <translation>向右旋转 90°</translation>
    </message>
    <message>
      <source>Delete</source>
      <translation>删除</translation>
    </message>
    <message>
      <source>Undo delete</source>
      <translation>撤销删除</translation>
    </message>
    <message>
      <source>Move page earlier</source>
      <translation>页面前移</translation>
    </message>
    <message>
      <source>Move page later</source>
      <translation>页面后移</translation>
    </message>
    <message>
      <source>Hot folder unavailable: %1</source>
      <translation>监视文件夹不可用：%1</translation>
    </message>
    <message>
      <source>Batch closed.</source>
      <translation>批次已结束。</translation>
    </message>
    <message>
      <source>No batch open — start a new batch</source>
      <translation>未打开批次——请新建批次</translation>
    </message>
    <message>
      <source>Page %1 / %2</source>
      <translation>%1 / %2 页</translation>
    </message>
    <message>
      <source>%1 pages</source>
      <translation>%1 页</translation>
    </message>
    <message>
      <source>Camera disconnected — reconnecting automatically. Captured pages are safe.</source>
      <translation>高拍仪已断开——正在自动重连。已采集的页面不受影响。</translation>
    </message>
    <message>
      <source>Camera reconnected.</source>
      <translation>高拍仪已重新连接。</translation>
    </message>
    <message>
      <source>Auto: movement</source>
      <translation>自动：画面移动中</translation>
    </message>
    <message>
      <source>Auto: hold still…</source>
      <translation>自动：请保持不动…</translation>
    </message>
    <message>
      <source>Auto: hand in the picture</source>
      <translation>自动：画面中有手</translation>
    </message>
    <message>
      <source>Auto: same page, not captured again</source>
      <translation>自动：同一页，不重复拍摄</translation>
    </message>
    <message>
      <source>Auto: desk empty</source>
      <translation>自动：台面无文件</translation>
    </message>
    <message>
      <source>Start a batch before capturing.</source>
      <translation>请先新建批次再拍摄。</translation>
    </message>
    <message>
      <source>No camera picture to capture.</source>
      <translation>没有可拍摄的高拍仪画面。</translation>
    </message>
    <message>
      <source>Page %1 saved.</source>
      <translation>第 %1 页已保存。</translation>
    </message>
    <message>
      <source>Capture failed: %1</source>
      <translation>拍摄失败：%1</translation>
    </message>
    <message>
      <source>⚠ %1 This applies to every page taken with this camera setting; it is said once per batch.</source>
      <translation>⚠ %1 本高拍仪设置下拍摄的每一页都是如此，每个批次只提示一次。</translation>
    </message>
    <message>
      <source>processing</source>
      <translation>处理中</translation>
    </message>
    <message>
      <source>failed</source>
      <translation>失败</translation>
    </message>
    <message>
      <source>deleted</source>
      <translation>已删除</translation>
    </message>
    <message>
      <source>to confirm</source>
      <translation>待确认</translation>
    </message>
    <message>
      <source>not linked</source>
      <translation>未关联</translation>
    </message>
    <message>
      <source>captured, processing…</source>
      <translation>已拍摄，处理中…</translation>
    </message>
    <message>
      <source>processed</source>
      <translation>已处理</translation>
    </message>
    <message>
      <source>text recognised</source>
      <translation>已识别</translation>
    </message>
    <message>
      <source>linked</source>
      <translation>已关联</translation>
    </message>
    <message>
      <source>Pages reordered.</source>
      <translation>页面顺序已调整。</translation>
    </message>
    <message>
      <source>original — processing…</source>
      <translation>原图——处理中…</translation>
    </message>
    <message>
      <source>Page %1 (%2)</source>
      <translation>第 %1 页（%2）</translation>
    </message>
    <message>
      <source>Duplicate of page %1?</source>
      <translation>与第 %1 页重复？</translation>
    </message>
    <message>
      <source>Page deleted — Ctrl+Z to undo.</source>
      <translation>页面已删除——按 Ctrl+Z 撤销。</translation>
    </message>
    <message>
      <source>Page restored.</source>
      <translation>页面已恢复。</translation>
    </message>
    <message>
      <source>Page rotated.</source>
      <translation>页面已旋转。</translation>
    </message>
    <message>
      <source>Page corners set — the page is being remade.</source>
      <translation>页面四角已设定，正在重新生成页面。</translation>
    </message>
    <message>
      <source>Spread split into two pages.</source>
      <translation>跨页已拆分为两页。</translation>
    </message>
    <message>
      <source>Curved-page flattening on.</source>
      <translation>曲面展平已开启。</translation>
    </message>
    <message>
      <source>Curved-page flattening off.</source>
      <translation>曲面展平已关闭。</translation>
    </message>
    <message>
      <source>Halves joined into one page.</source>
      <translation>两半已合并为一页。</translation>
    </message>
    <message>
      <source>Import files</source>
      <translation>导入文件</translation>
    </message>
    <message>
      <source>Images and PDF (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.pdf)</source>
      <translation>图像和 PDF (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.pdf)</translation>
    </message>
    <message>
      <source>Importing %1 / %2…</source>
      <translation>正在导入 %1 / %2…</translation>
    </message>
    <message>
      <source>Imported %1 page(s).</source>
      <translation>已导入 %1 页。</translation>
    </message>
    <message>
      <source>%1 file(s) were already imported.</source>
      <translation>%1 个文件此前已导入。</translation>
    </message>
  </context>
  <context>
    <name>ChangePasswordDialog</name>
    <message>
      <source>Change password</source>
      <translation>修改密码</translation>
    </message>
    <message>
      <source>You must set a new password before you continue.</source>
      <translation>继续操作前必须设置新密码。</translation>
    </message>
    <message>
      <source>Current password</source>
      <translation>当前密码</translation>
    </message>
    <message>
      <source>New password</source>
      <translation>新密码</translation>
    </message>
    <message>
      <source>Repeat new password</source>
      <translation>确认新密码</translation>
    </message>
  </context>
  <context>
    <name>CloseBatchDialog</name>
    <message>
      <source>Close batch</source>
      <translation>结束批次</translation>
    </message>
    <message>
      <source>(no location recorded)</source>
      <translation>（未登记存放位置）</translation>
    </message>
    <message>
      <source>Archive id: %1</source>
      <translation>档号：%1</translation>
    </message>
    <message>
      <source>Pages captured: %1</source>
      <translation>已采集页数：%1</translation>
    </message>
    <message>
      <source> of %1 expected</source>
      <translation>（应为 %1 页）</translation>
    </message>
    <message>
      <source>Paper original belongs in: %1</source>
      <translation>纸质原件应归还至：%1</translation>
    </message>
    <message>
      <source>The page count differs from the expected count.</source>
      <translation>采集页数与应有页数不符。</translation>
    </message>
    <message>
      <source>Text pages not linked to a person: %1</source>
      <translation>尚未关联人员的文字页：%1</translation>
    </message>
    <message>
      <source>Go back to link them, or close the batch anyway.</source>
      <translation>可返回继续关联，或仍然结束批次。</translation>
    </message>
    <message>
      <source>The paper original is back in its recorded location</source>
      <translation>纸质原件已放回登记位置</translation>
    </message>
    <message>
      <source>Back to linking</source>
      <translation>返回关联</translation>
    </message>
    <message>
      <source>Close batch anyway</source>
      <translation>仍然结束批次</translation>
    </message>
  </context>
  <context>
    <name>CornersDialog</name>
    <message>
      <source>Adjust page corners</source>
      <translation>调整页面四角</translation>
    </message>
    <message>
      <source>Drag the four corners onto the page's corners (Tab picks a corner, arrow keys move it).</source>
      <translation>把四个角点拖到纸张的四个角上（Tab 选择角点，方向键微调）。</translation>
    </message>
    <message>
      <source>Remake page</source>
      <translation>重新生成页面</translation>
    </message>
  </context>
  <context>
    <name>DashboardView</name>
    <message>
      <source>By station</source>
      <translation>按工作站</translation>
    </message>
    <message>
      <source>By batch</source>
      <translation>按批次</translation>
    </message>
    <message>
      <source>By day</source>
      <translation>按日期</translation>
    </message>
    <message>
      <source>By clerk</source>
      <translation>按采集员</translation>
    </message>
    <message>
      <source>Refresh</source>
      <translation>刷新</translation>
    </message>
    <message>
      <source>Export CSV…</source>
      <translation>导出 CSV…</translation>
    </message>
    <message>
      <source>Export PNG…</source>
      <translation>导出 PNG…</translation>
    </message>
    <message>
      <source>Progress</source>
      <translation>进度</translation>
    </message>
    <message>
      <source>Throughput per clerk</source>
      <translation>采集员工作量</translation>
    </message>
    <message>
      <source>Data-quality warnings</source>
      <translation>数据质量预警</translation>
    </message>
    <message>
      <source>Captured</source>
      <translation>已采集</translation>
    </message>
    <message>
      <source>Processed</source>
      <translation>已处理</translation>
    </message>
    <message>
      <source>Recognised</source>
      <translation>已识别</translation>
    </message>
    <message>
      <source>Linked</source>
      <translation>已关联</translation>
    </message>
    <message>
      <source>Reviewed</source>
      <translation>已审核</translation>
    </message>
    <message>
      <source>Synced</source>
      <translation>已同步</translation>
    </message>
    <message>
      <source>%1 pages</source>
      <translation>%1 页</translation>
    </message>
    <message>
      <source>warnings: page checks only</source>
      <translation>预警：仅含页面检查</translation>
    </message>
    <message>
      <source>Group</source>
      <translation>分组</translation>
    </message>
    <message>
      <source>QA pages passed</source>
      <translation>抽检合格率</translation>
    </message>
    <message>
      <source>Batches accepted</source>
      <translation>批次验收</translation>
    </message>
    <message>
      <source>Total</source>
      <translation>合计</translation>
    </message>
    <message>
      <source>Clerk</source>
      <translation>采集员</translation>
    </message>
    <message>
      <source>Day</source>
      <translation>日期</translation>
    </message>
    <message>
      <source>Pages</source>
      <translation>页数</translation>
    </message>
    <message>
      <source>Pages per hour</source>
      <translation>每小时页数</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>工作站</translation>
    </message>
    <message>
      <source>Warning</source>
      <translation>预警</translation>
    </message>
    <message>
      <source>Count</source>
      <translation>数量</translation>
    </message>
    <message>
      <source>Records</source>
      <translation>记录数</translation>
    </message>
    <message>
      <source>Rate</source>
      <translation>比例</translation>
    </message>
    <message>
      <source>Export CSV</source>
      <translation>导出 CSV</translation>
    </message>
    <message>
      <source>Export PNG</source>
      <translation>导出 PNG</translation>
    </message>
  </context>
  <context>
    <name>ExportDialog</name>
    <message>
      <source>Export PDF</source>
      <translation>导出 PDF</translation>
    </message>
    <message>
      <source>Batch, by archive number (档号)</source>
      <translation>批次（按档号）</translation>
    </message>
    <message>
      <source>Person, by citizen ID number</source>
      <translation>人员（按公民身份号码）</translation>
    </message>
    <message>
      <source>Household, by household number</source>
      <translation>户（按户号）</translation>
    </message>
    <message>
      <source>Find</source>
      <translation>查找</translation>
    </message>
    <message>
      <source>Counting pages…</source>
      <translation>正在统计页数…</translation>
    </message>
    <message>
      <source>Required, e.g. certificate for the resident</source>
      <translation>必填，例如：为群众出具证明</translation>
    </message>
    <message>
      <source>Colour masters (as captured; larger files)</source>
      <translation>彩色母版（原样，文件较大）</translation>
    </message>
    <message>
      <source>Cleaned pages (red seals in colour)</source>
      <translation>增强页面（红色印章保留彩色）</translation>
    </message>
    <message>
      <source>Cleaned pages are more legible and several times smaller. Colour pages, and pages where red seals or red lines are found, go out from the colour master (DA/T 31).</source>
      <translation>增强页面更清晰、文件小数倍。彩色页面以及检出红色印章或红色线条的页面按 DA/T 31 使用彩色母版导出。</translation>
    </message>
    <message>
      <source>PDF (searchable, PDF/A-2b structure)</source>
      <translation>PDF（可检索，PDF/A-2b 结构）</translation>
    </message>
    <message>
      <source>OFD (GB/T 33190, searchable)</source>
      <translation>OFD（GB/T 33190，可检索）</translation>
    </message>
    <message>
      <source>PDF/A-2b is declared, not validated: no PDF/A validator is installed. Checked in our tests: embedded fonts with matching widths, sRGB output intent, XMP metadata matching the document info, no encryption, LZW or JBIG2, qpdf syntax check. A password removes the PDF/A declaration.</source>
      <translation>文件声明为 PDF/A-2b，但未经验证：本机未安装 PDF/A 验证工具。本软件测试中检查的项目：字体已嵌入且字宽一致、sRGB 输出意图、XMP 元数据与文档信息一致、无加密、无 LZW 和 JBIG2 压缩、qpdf 语法检查。设置密码后不再声明 PDF/A。</translation>
    </message>
    <message>
      <source>Visible watermark (user, time, purpose)</source>
      <translation>可见水印（用户、时间、用途）</translation>
    </message>
    <message>
      <source>Protect with a password (AES-256)</source>
      <translation>设置打开密码（AES-256）</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>密码</translation>
    </message>
    <message>
      <source>Repeat password</source>
      <translation>确认密码</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>浏览…</translation>
    </message>
    <message>
      <source>Open the file when done</source>
      <translation>完成后打开文件</translation>
    </message>
    <message>
      <source>Export</source>
      <translation>导出</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Open file</source>
      <translation>打开文件</translation>
    </message>
    <message>
      <source>Show in folder</source>
      <translation>打开所在文件夹</translation>
    </message>
    <message>
      <source>Export:</source>
      <translation>导出：</translation>
    </message>
    <message>
      <source>Source:</source>
      <translation>来源：</translation>
    </message>
    <message>
      <source>Purpose:</source>
      <translation>用途：</translation>
    </message>
    <message>
      <source>Format:</source>
      <translation>格式：</translation>
    </message>
    <message>
      <source>Page images:</source>
      <translation>页面图像：</translation>
    </message>
    <message>
      <source>File:</source>
      <translation>文件：</translation>
    </message>
    <message>
      <source>The open batch</source>
      <translation>当前打开的批次</translation>
    </message>
    <message>
      <source>The search result shown</source>
      <translation>当前显示的检索结果</translation>
    </message>
    <message>
      <source>The person shown</source>
      <translation>当前显示的人员</translation>
    </message>
    <message>
      <source>The household shown</source>
      <translation>当前显示的户</translation>
    </message>
    <message>
      <source>The current selection</source>
      <translation>当前选择</translation>
    </message>
    <message>
      <source>Archive number, e.g. A0101-2026-001</source>
      <translation>档号，例如 A0101-2026-001</translation>
    </message>
    <message>
      <source>18-digit citizen ID number</source>
      <translation>18 位公民身份号码</translation>
    </message>
    <message>
      <source>Household number</source>
      <translation>户号</translation>
    </message>
    <message>
      <source>Enter what to export and press Find.</source>
      <translation>请输入要导出的档号、身份号码或户号，然后点击“查找”。</translation>
    </message>
    <message>
      <source>%1 — %2 page(s) from %3 volume(s): %4</source>
      <translation>%1——共 %2 页，来自 %3 卷：%4</translation>
    </message>
    <message>
      <source>Nothing can be exported.</source>
      <translation>没有可导出的内容。</translation>
    </message>
    <message>
      <source>State the purpose of the export.</source>
      <translation>请填写导出用途。</translation>
    </message>
    <message>
      <source>Enter a password.</source>
      <translation>请输入密码。</translation>
    </message>
    <message>
      <source>The passwords do not match.</source>
      <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
      <source>Choose where to save the file.</source>
      <translation>请选择文件保存位置。</translation>
    </message>
    <message>
      <source>Export OFD</source>
      <translation>导出 OFD</translation>
    </message>
    <message>
      <source>Save OFD</source>
      <translation>保存 OFD</translation>
    </message>
    <message>
      <source>OFD files (*.ofd)</source>
      <translation>OFD 文件 (*.ofd)</translation>
    </message>
    <message>
      <source>Save PDF</source>
      <translation>保存 PDF</translation>
    </message>
    <message>
      <source>PDF files (*.pdf)</source>
      <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
      <source>Exporting…</source>
      <translation>正在导出…</translation>
    </message>
    <message>
      <source>Page %1 of %2 (%3)</source>
      <translation>第 %1 / %2 页（%3）</translation>
    </message>
    <message>
      <source>Saved %1 (%2 page(s), %3 MB).</source>
      <translation>已保存 %1（%2 页，%3 MB）。</translation>
    </message>
    <message>
      <source>%1 page(s) could not be read and were left out.</source>
      <translation>%1 页无法读取，已略过。</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>关闭</translation>
    </message>
    <message>
      <source>red seal</source>
      <translation>红色印章</translation>
    </message>
    <message>
      <source>red lines or red header</source>
      <translation>红色线条或红头</translation>
    </message>
    <message>
      <source>red seal and red lines</source>
      <translation>红色印章和红色线条</translation>
    </message>
    <message>
      <source>%1 page(s) exported in colour from the master: %2</source>
      <translation>%1 页使用彩色母版导出：%2</translation>
    </message>
    <message>
      <source>Export cancelled; no file was written.</source>
      <translation>导出已取消，未写入文件。</translation>
    </message>
    <message>
      <source>Replace file?</source>
      <translation>替换文件？</translation>
    </message>
    <message>
      <source>%1 already exists. Replace it?</source>
      <translation>%1 已存在。要替换吗？</translation>
    </message>
    <message>
      <source>Cancelling…</source>
      <translation>正在取消…</translation>
    </message>
  </context>
  <context>
    <name>HandoverDialog</name>
    <message>
      <source>Hand over to the archive</source>
      <translation>移交档案</translation>
    </message>
    <message>
      <source>Archive ids, comma-separated; A0101-* for a prefix</source>
      <translation>档号，以逗号分隔；A0101-* 表示前缀</translation>
    </message>
    <message>
      <source>From</source>
      <translation>自</translation>
    </message>
    <message>
      <source>To</source>
      <translation>至</translation>
    </message>
    <message>
      <source>All stations</source>
      <translation>全部派出所</translation>
    </message>
    <message>
      <source>Find batches</source>
      <translation>查找批次</translation>
    </message>
    <message>
      <source>Archive id</source>
      <translation>档号</translation>
    </message>
    <message>
      <source>Category</source>
      <translation>类别</translation>
    </message>
    <message>
      <source>Created</source>
      <translation>创建日期</translation>
    </message>
    <message>
      <source>Pages</source>
      <translation>页数</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>派出所</translation>
    </message>
    <message>
      <source>Folder</source>
      <translation>文件夹</translation>
    </message>
    <message>
      <source>Sync target</source>
      <translation>同步目标</translation>
    </message>
    <message>
      <source>No sync target is configured.</source>
      <translation>未配置同步目标。</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>浏览…</translation>
    </message>
    <message>
      <source>Masters as TIFF (lossless; larger)</source>
      <translation>母版存为 TIFF（无损，文件较大）</translation>
    </message>
    <message>
      <source>Add an SM3 checksum manifest</source>
      <translation>另附 SM3 校验清单</translation>
    </message>
    <message>
      <source>Write package</source>
      <translation>生成移交包</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Show in folder</source>
      <translation>在文件夹中显示</translation>
    </message>
    <message>
      <source>Archive ids:</source>
      <translation>档号：</translation>
    </message>
    <message>
      <source>Created:</source>
      <translation>创建日期：</translation>
    </message>
    <message>
      <source>Station:</source>
      <translation>派出所：</translation>
    </message>
    <message>
      <source>Target:</source>
      <translation>目标：</translation>
    </message>
    <message>
      <source>Looking for batches…</source>
      <translation>正在查找批次…</translation>
    </message>
    <message>
      <source>No batches match.</source>
      <translation>没有符合条件的批次。</translation>
    </message>
    <message>
      <source>%1 batch(es) with %2 page(s) selected</source>
      <translation>已选 %1 个批次，共 %2 页</translation>
    </message>
    <message>
      <source>Target folder</source>
      <translation>目标文件夹</translation>
    </message>
    <message>
      <source>Writing the package…</source>
      <translation>正在生成移交包…</translation>
    </message>
    <message>
      <source>Page %1 of %2 (%3)</source>
      <translation>第 %1 页，共 %2 页（%3）</translation>
    </message>
    <message>
      <source>Package written: %1 — %2 volume(s), %3 page(s), %4 files, %5 MB. Manifest SHA-256: %6</source>
      <translation>移交包已生成：%1 — %2 卷，%3 页，%4 个文件，%5 MB。校验清单 SHA-256：%6</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>关闭</translation>
    </message>
    <message>
      <source>Hand-over cancelled; no partial package was left.</source>
      <translation>移交已取消，未留下不完整的移交包。</translation>
    </message>
    <message>
      <source>Cancelling…</source>
      <translation>正在取消…</translation>
    </message>
  </context>
  <context>
    <name>IdleLockFilter</name>
    <message>
      <source>Locked</source>
      <translation>已锁定</translation>
    </message>
  </context>
  <context>
    <name>LinkPanel</name>
    <message>
      <source>No page selected</source>
      <translation>未选择页面</translation>
    </message>
    <message>
      <source>✓</source>
      <translation>✓</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>公民身份号码</translation>
    </message>
    <message>
      <source>Birth date</source>
      <translation>出生日期</translation>
    </message>
    <message>
      <source>Household</source>
      <translation>户号</translation>
    </message>
    <message>
      <source>Score</source>
      <translation>匹配分</translation>
    </message>
    <message>
      <source>Confirm top candidate (Enter)</source>
      <translation>确认首选候选人（回车）</translation>
    </message>
    <message>
      <source>Link all ticked</source>
      <translation>关联所有勾选项</translation>
    </message>
    <message>
      <source>Find candidates again</source>
      <translation>重新查找候选人</translation>
    </message>
    <message>
      <source>Search by name, ID number or household number</source>
      <translation>按姓名、公民身份号码或户号查询</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>查询</translation>
    </message>
    <message>
      <source>Relation</source>
      <translation>与户主关系</translation>
    </message>
    <message>
      <source>Link selected person</source>
      <translation>关联所选人员</translation>
    </message>
    <message>
      <source>Role</source>
      <translation>身份</translation>
    </message>
    <message>
      <source>How</source>
      <translation>方式</translation>
    </message>
    <message>
      <source>By</source>
      <translation>操作人</translation>
    </message>
    <message>
      <source>When</source>
      <translation>时间</translation>
    </message>
    <message>
      <source>Unlink</source>
      <translation>取消关联</translation>
    </message>
    <message>
      <source>Candidates</source>
      <translation>候选人员</translation>
    </message>
    <message>
      <source>Linked persons</source>
      <translation>已关联人员</translation>
    </message>
    <message>
      <source>Page %1</source>
      <translation>第 %1 页</translation>
    </message>
    <message>
      <source>Already linked</source>
      <translation>已关联</translation>
    </message>
    <message>
      <source>Why: %1</source>
      <translation>理由：%1</translation>
    </message>
    <message>
      <source>confirmed</source>
      <translation>已确认</translation>
    </message>
    <message>
      <source>manual</source>
      <translation>人工</translation>
    </message>
    <message>
      <source>automatic</source>
      <translation>自动</translation>
    </message>
    <message>
      <source>Linking</source>
      <translation>关联</translation>
    </message>
    <message>
      <source>%1 read as %2, would be corrected to %3 (%4) when you confirm</source>
      <translation>%1识别为 %2，确认关联后将更正为 %3（%4）</translation>
    </message>
  </context>
  <context>
    <name>LoginDialog</name>
    <message>
      <source>Create administrator</source>
      <translation>创建管理员</translation>
    </message>
    <message>
      <source>Log in</source>
      <translation>登录</translation>
    </message>
    <message>
      <source>First start: create the administrator account.</source>
      <translation>首次启动：请创建管理员账户。</translation>
    </message>
    <message>
      <source>Please log in.</source>
      <translation>请登录。</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>用户名</translation>
    </message>
    <message>
      <source>Full name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>密码</translation>
    </message>
    <message>
      <source>Repeat password</source>
      <translation>确认密码</translation>
    </message>
    <message>
      <source>Create</source>
      <translation>创建</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <source>Household Registration Archive Workstation</source>
      <translation>户籍档案数字化工作站</translation>
    </message>
    <message>
      <source>Station: %1</source>
      <translation>工作站：%1</translation>
    </message>
    <message>
      <source>&amp;File</source>
      <translation>文件(&amp;F)</translation>
    </message>
    <message>
      <source>&amp;View</source>
      <translation>视图(&amp;V)</translation>
    </message>
    <message>
      <source>&amp;Tools</source>
      <translation>工具(&amp;T)</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>帮助(&amp;H)</translation>
    </message>
    <message>
      <source>Settings…</source>
      <translation>设置…</translation>
    </message>
    <message>
      <source>Lock screen</source>
      <translation>锁定屏幕</translation>
    </message>
    <message>
      <source>Log out / switch user</source>
      <translation>注销 / 切换用户</translation>
    </message>
    <message>
      <source>Hand over to the archive…</source>
      <translation>移交档案…</translation>
    </message>
    <message>
      <source>Quit</source>
      <translation>退出</translation>
    </message>
    <message>
      <source>Keyboard shortcuts</source>
      <translation>快捷键一览</translation>
    </message>
    <message>
      <source>About</source>
      <translation>关于</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <source>Settings saved. %1 take(s) effect after the application is restarted.</source>
      <translation>设置已保存。以下设置重启程序后生效：%1。</translation>
    </message>
    <message>
      <source>Settings saved and in effect.</source>
      <translation>设置已保存并已生效。</translation>
    </message>
    <message>
      <source>Hand over to the archive</source>
      <translation>移交档案</translation>
    </message>
    <message>
      <source>hukou-scan %1 — digitization workstation for household-registration archives.</source>
      <translation>hukou-scan %1——户籍档案数字化工作站。</translation>
    </message>
    <message>
      <source>Data folder: %1</source>
      <translation>数据目录：%1</translation>
    </message>
    <message>
      <source>Processing: %1  OCR: %2</source>
      <translation>待处理：%1  待识别：%2</translation>
    </message>
    <message>
      <source>All pages processed</source>
      <translation>所有页面均已处理</translation>
    </message>
  </context>
  <context>
    <name>NewBatchDialog</name>
    <message>
      <source>New batch</source>
      <extracomment>Called on the UI thread when the clerk asks to read the cover: takes the newest camera frame (raises HukouScanError when there is none) and returns the slow part — reading the label in that frame — to run on a worker thread.</extracomment>
      <translation>新建批次</translation>
    </message>
    <message>
      <source>e.g. 0101-2026-001</source>
      <translation>例如 0101-2026-001</translation>
    </message>
    <message>
      <source>Room</source>
      <translation>库房</translation>
    </message>
    <message>
      <source>Cabinet</source>
      <translation>柜</translation>
    </message>
    <message>
      <source>Shelf</source>
      <translation>架</translation>
    </message>
    <message>
      <source>Box</source>
      <translation>盒</translation>
    </message>
    <message>
      <source>Volume</source>
      <translation>卷</translation>
    </message>
    <message>
      <source>From page</source>
      <translation>起始页</translation>
    </message>
    <message>
      <source>to</source>
      <translation>至</translation>
    </message>
    <message>
      <source>Read from cover</source>
      <translation>从封面读取</translation>
    </message>
    <message>
      <source>Place the volume's cover label under the camera: reads its barcode, QR code or printed archive id.</source>
      <translation>把卷皮标签放在镜头下：读取条码、二维码或印刷的档号。</translation>
    </message>
    <message>
      <source>Archive id</source>
      <translation>档号</translation>
    </message>
    <message>
      <source>Category</source>
      <translation>类别</translation>
    </message>
    <message>
      <source>Paper original location</source>
      <translation>纸质原件存放位置</translation>
    </message>
    <message>
      <source>Page range</source>
      <translation>页码范围</translation>
    </message>
    <message>
      <source>Expected pages</source>
      <translation>应有页数</translation>
    </message>
    <message>
      <source>Notes</source>
      <translation>备注</translation>
    </message>
    <message>
      <source>Start batch</source>
      <translation>开始批次</translation>
    </message>
    <message>
      <source>—</source>
      <translation>—</translation>
    </message>
    <message>
      <source>Reading the cover label…</source>
      <translation>正在读取卷皮标签…</translation>
    </message>
    <message>
      <source>printed text</source>
      <translation>印刷文字</translation>
    </message>
    <message>
      <source>Archive id read from the cover (%1).</source>
      <translation>已从卷皮读取档号（%1）。</translation>
    </message>
    <message>
      <source>Check character %1 is correct.</source>
      <translation>校验位 %1 正确。</translation>
    </message>
    <message>
      <source>The cover could not be read: %1</source>
      <translation>无法读取卷皮：%1</translation>
    </message>
    <message>
      <source>Please enter the archive id.</source>
      <translation>请输入档号。</translation>
    </message>
  </context>
  <context>
    <name>OcrQueueView</name>
    <message>
      <source>%v of %m pages recognised</source>
      <translation>已识别 %v / %m 页</translation>
    </message>
    <message>
      <source>Waiting:</source>
      <translation>等待：</translation>
    </message>
    <message>
      <source>Recognising:</source>
      <translation>识别中：</translation>
    </message>
    <message>
      <source>Done:</source>
      <translation>已完成：</translation>
    </message>
    <message>
      <source>Failed:</source>
      <translation>失败：</translation>
    </message>
    <message>
      <source>Form cells</source>
      <translation>表格单元格</translation>
    </message>
    <message>
      <source>Form cells, re-read</source>
      <translation>表格单元格（复读）</translation>
    </message>
    <message>
      <source>Whole page</source>
      <translation>整页</translation>
    </message>
    <message>
      <source>Cancel waiting pages</source>
      <translation>取消等待中的页面</translation>
    </message>
    <message>
      <source>Re-run failed and cancelled</source>
      <translation>重新识别失败和已取消的页面</translation>
    </message>
    <message>
      <source>Page</source>
      <translation>页面</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>原因</translation>
    </message>
    <message>
      <source>Engine:</source>
      <translation>引擎：</translation>
    </message>
    <message>
      <source>Mode:</source>
      <translation>模式：</translation>
    </message>
    <message>
      <source>Failed pages</source>
      <translation>识别失败的页面</translation>
    </message>
    <message>
      <source>%1 page %2</source>
      <translation>%1 第%2页</translation>
    </message>
    <message>
      <source>Pause recognition</source>
      <translation>暂停识别</translation>
    </message>
    <message>
      <source>Start recognition</source>
      <translation>开始识别</translation>
    </message>
    <message>
      <source>Recognition queue</source>
      <translation>识别队列</translation>
    </message>
  </context>
  <context>
    <name>PageViewerView</name>
    <message>
      <source>Zoom in</source>
      <translation>放大</translation>
    </message>
    <message>
      <source>Zoom out</source>
      <translation>缩小</translation>
    </message>
    <message>
      <source>Fit</source>
      <translation>适应窗口</translation>
    </message>
    <message>
      <source>Rotate</source>
      <translation>旋转</translation>
    </message>
    <message>
      <source>Previous hit</source>
      <translation>上一处命中</translation>
    </message>
    <message>
      <source>Next hit</source>
      <translation>下一处命中</translation>
    </message>
    <message>
      <source>Archive no.</source>
      <translation>档号</translation>
    </message>
    <message>
      <source>Page</source>
      <translation>页码</translation>
    </message>
    <message>
      <source>Category</source>
      <translation>类别</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>工作站</translation>
    </message>
    <message>
      <source>Captured</source>
      <translation>采集时间</translation>
    </message>
    <message>
      <source>State</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Review</source>
      <translation>审核</translation>
    </message>
    <message>
      <source>Sync</source>
      <translation>同步</translation>
    </message>
    <message>
      <source>Paper original</source>
      <translation>纸质原件</translation>
    </message>
    <message>
      <source>All pages of this person</source>
      <translation>此人的全部页面</translation>
    </message>
    <message>
      <source>Linked persons</source>
      <translation>已关联人员</translation>
    </message>
    <message>
      <source>Loading…</source>
      <translation>正在加载…</translation>
    </message>
    <message>
      <source>The page image is not available on this workstation.</source>
      <translation>本工作站上没有该页面图像。</translation>
    </message>
    <message>
      <source>captured</source>
      <translation>已采集</translation>
    </message>
    <message>
      <source>processed</source>
      <translation>已处理</translation>
    </message>
    <message>
      <source>recognised</source>
      <translation>已识别</translation>
    </message>
    <message>
      <source>linked</source>
      <translation>已关联</translation>
    </message>
    <message>
      <source>reviewed</source>
      <translation>已审核</translation>
    </message>
    <message>
      <source>backed up</source>
      <translation>已备份</translation>
    </message>
    <message>
      <source>failed</source>
      <translation>失败</translation>
    </message>
    <message>
      <source>deleted</source>
      <translation>已删除</translation>
    </message>
    <message>
      <source>not yet backed up</source>
      <translation>尚未备份</translation>
    </message>
    <message>
      <source>uploaded</source>
      <translation>已上传</translation>
    </message>
    <message>
      <source>backed up and verified</source>
      <translation>已备份并校验</translation>
    </message>
    <message>
      <source>passed review</source>
      <translation>审核通过</translation>
    </message>
    <message>
      <source>awaiting re-capture</source>
      <translation>待重拍</translation>
    </message>
    <message>
      <source>not reviewed</source>
      <translation>未审核</translation>
    </message>
    <message>
      <source>not recorded</source>
      <translation>未登记</translation>
    </message>
    <message>
      <source>household {0}</source>
      <translation>户号 {0}</translation>
    </message>
    <message>
      <source>Hit {0} of {1}</source>
      <translation>第 {0} / {1} 处命中</translation>
    </message>
    <message>
      <source>No hits on this page</source>
      <translation>本页无命中</translation>
    </message>
  </context>
  <context>
    <name>QCalendarWidget</name>
    <message>
      <source>Today</source>
      <translation>今天</translation>
    </message>
  </context>
  <context>
    <name>QFileDialog</name>
    <message>
      <source>&amp;Look in:</source>
      <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
      <source>Files of &amp;type:</source>
      <translation>文件类型(&amp;T)：</translation>
    </message>
  </context>
  <context>
    <name>QaView</name>
    <message>
      <source>Batches awaiting review</source>
      <translation>待审核批次</translation>
    </message>
    <message>
      <source>Refresh</source>
      <translation>刷新</translation>
    </message>
    <message>
      <source>Run automatic checks</source>
      <translation>运行自动检查</translation>
    </message>
    <message>
      <source>Draw sample</source>
      <translation>抽取样本</translation>
    </message>
    <message>
      <source>Sample despite check findings</source>
      <translation>忽略检查问题仍抽样</translation>
    </message>
    <message>
      <source>No sample</source>
      <translation>无样本</translation>
    </message>
    <message>
      <source>Finish and decide batch</source>
      <translation>完成并判定批次</translation>
    </message>
    <message>
      <source>Select a page</source>
      <translation>请选择页面</translation>
    </message>
    <message>
      <source>Note (optional)</source>
      <translation>备注（可选）</translation>
    </message>
    <message>
      <source>Pass</source>
      <translation>合格</translation>
    </message>
    <message>
      <source>Fail → re-capture</source>
      <translation>不合格 → 重拍</translation>
    </message>
    <message>
      <source>open</source>
      <translation>采集中</translation>
    </message>
    <message>
      <source>closed</source>
      <translation>已结束</translation>
    </message>
    <message>
      <source>in review</source>
      <translation>审核中</translation>
    </message>
    <message>
      <source>accepted</source>
      <translation>已验收</translation>
    </message>
    <message>
      <source>rejected</source>
      <translation>已退回</translation>
    </message>
    <message>
      <source>Pages: %1 (expected %2)</source>
      <translation>页数：%1（应为 %2）</translation>
    </message>
    <message>
      <source>No findings.</source>
      <translation>未发现问题。</translation>
    </message>
    <message>
      <source>Sample: %1 of %2 pages (rate %3 %, seed %4)</source>
      <translation>样本：%2 页中抽取 %1 页（比例 %3 %，随机种子 %4）</translation>
    </message>
    <message>
      <source>Page %1</source>
      <translation>第 %1 页</translation>
    </message>
    <message>
      <source>Paper pages expected: %1, captured: %2</source>
      <translation>纸质应有页数：%1，已采集：%2</translation>
    </message>
    <message>
      <source>OCR fields:</source>
      <translation>识别字段：</translation>
    </message>
    <message>
      <source>OCR fields: none</source>
      <translation>识别字段：无</translation>
    </message>
    <message>
      <source>: </source>
      <translation>：</translation>
    </message>
    <message>
      <source>Links:</source>
      <translation>关联：</translation>
    </message>
    <message>
      <source>Links: none</source>
      <translation>关联：无</translation>
    </message>
    <message>
      <source>confirmed</source>
      <translation>已确认</translation>
    </message>
    <message>
      <source>manual</source>
      <translation>人工</translation>
    </message>
    <message>
      <source>automatic</source>
      <translation>自动</translation>
    </message>
    <message>
      <source>(%1)</source>
      <translation>（%1）</translation>
    </message>
    <message>
      <source>Image not available</source>
      <translation>图像不可用</translation>
    </message>
    <message>
      <source>Batch accepted (pass rate %1).</source>
      <translation>批次已验收（合格率 %1）。</translation>
    </message>
    <message>
      <source>Batch rejected (pass rate %1); failed pages went back to capture.</source>
      <translation>批次已退回（合格率 %1）；不合格页面已退回重拍。</translation>
    </message>
      <message>
      <source>Page %1: </source>
      <translation>第 %1 页：</translation>
    </message>
</context>
  <context>
    <name>RegistryImportDialog</name>
    <message>
      <source>Import registry</source>
      <translation>导入户籍数据</translation>
    </message>
    <message>
      <source>CSV or Excel file exported from the population system</source>
      <translation>从人口信息系统导出的 CSV 或 Excel 文件</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>浏览…</translation>
    </message>
    <message>
      <source>Detect automatically</source>
      <translation>自动检测</translation>
    </message>
    <message>
      <source>File:</source>
      <translation>文件：</translation>
    </message>
    <message>
      <source>Encoding:</source>
      <translation>编码：</translation>
    </message>
    <message>
      <source>Field</source>
      <translation>字段</translation>
    </message>
    <message>
      <source>Column in file</source>
      <translation>文件中的列</translation>
    </message>
    <message>
      <source>(not imported)</source>
      <translation>（不导入）</translation>
    </message>
    <message>
      <source>Refresh preview</source>
      <translation>刷新预览</translation>
    </message>
    <message>
      <source>Import</source>
      <translation>导入</translation>
    </message>
    <message>
      <source>Cancel import</source>
      <translation>取消导入</translation>
    </message>
    <message>
      <source>Save rejected rows…</source>
      <translation>保存被拒绝的行…</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>关闭</translation>
    </message>
    <message>
      <source>Column mapping (recognised automatically, change if needed)</source>
      <translation>列对应关系（已自动识别，必要时可修改）</translation>
    </message>
    <message>
      <source>Preview of the first rows (rows with problems in red)</source>
      <translation>前几行预览（有问题的行以红色标出）</translation>
    </message>
    <message>
      <source>Name (姓名)</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Former name</source>
      <translation>曾用名</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>公民身份号码</translation>
    </message>
    <message>
      <source>Sex</source>
      <translation>性别</translation>
    </message>
    <message>
      <source>Ethnicity</source>
      <translation>民族</translation>
    </message>
    <message>
      <source>Birth date</source>
      <translation>出生日期</translation>
    </message>
    <message>
      <source>Household number</source>
      <translation>户号</translation>
    </message>
    <message>
      <source>Head of household</source>
      <translation>户主</translation>
    </message>
    <message>
      <source>Relation to head</source>
      <translation>与户主关系</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>住址</translation>
    </message>
    <message>
      <source>Police station</source>
      <translation>派出所</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>户口状态</translation>
    </message>
    <message>
      <source>Registration date</source>
      <translation>登记日期</translation>
    </message>
    <message>
      <source>Status change date</source>
      <translation>状态变动日期</translation>
    </message>
    <message>
      <source>Record number</source>
      <translation>记录编号</translation>
    </message>
    <message>
      <source>Reading the file…</source>
      <translation>正在读取文件…</translation>
    </message>
    <message>
      <source>Importing…</source>
      <translation>正在导入…</translation>
    </message>
    <message>
      <source>Choose a registry export</source>
      <translation>选择户籍数据导出文件</translation>
    </message>
    <message>
      <source>Registry exports (*.csv *.txt *.xlsx)</source>
      <translation>户籍数据导出文件 (*.csv *.txt *.xlsx)</translation>
    </message>
    <message>
      <source>Save rejected rows</source>
      <translation>保存被拒绝的行</translation>
    </message>
    <message numerus="yes">
      <source>%n rejected row(s) saved.</source>
      <translation>
        <numerusform>已保存 %n 条被拒绝的行。</numerusform>
      </translation>
    </message>
    <message>
      <source>Excel workbook</source>
      <translation>Excel 工作簿</translation>
    </message>
    <message>
      <source>Detected: %1</source>
      <translation>检测结果：%1</translation>
    </message>
    <message>
      <source>%1 of the first %2 rows have problems; they will be skipped and reported.</source>
      <translation>前 %2 行中有 %1 行存在问题，导入时将跳过并列入报告。</translation>
    </message>
    <message>
      <source>No name column recognised: choose it in the mapping.</source>
      <translation>未识别出姓名列：请在列对应关系中选择。</translation>
    </message>
    <message>
      <source>All rows read; building the lookup indexes…</source>
      <translation>所有行已读入，正在建立查询索引…</translation>
    </message>
    <message>
      <source>Imported %1 rows: %2 added, %3 updated, %4 rejected.</source>
      <translation>已导入 %1 行：新增 %2，更新 %3，拒绝 %4。</translation>
    </message>
    <message>
      <source>Import cancelled; importing the same file again resumes it.</source>
      <translation>导入已取消；再次导入同一文件将从中断处继续。</translation>
    </message>
  </context>
  <context>
    <name>SearchResultsModel</name>
    <message>
      <source>page {0}</source>
      <translation>第 {0} 页</translation>
    </message>
    <message>
      <source>field match</source>
      <translation>字段匹配</translation>
    </message>
    <message>
      <source>number/name prefix</source>
      <translation>号码/姓名前缀</translation>
    </message>
    <message>
      <source>metadata</source>
      <translation>著录信息</translation>
    </message>
    <message>
      <source>page text</source>
      <translation>页面文字</translation>
    </message>
    <message>
      <source>filter</source>
      <translation>筛选条件</translation>
    </message>
  </context>
  <context>
    <name>SearchView</name>
    <message>
      <source>Name, ID number, household number, words on the page…</source>
      <translation>姓名、公民身份号码、户号、页面文字…</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>查询</translation>
    </message>
    <message>
      <source>All stations</source>
      <translation>全部工作站</translation>
    </message>
    <message>
      <source>All categories</source>
      <translation>全部类别</translation>
    </message>
    <message>
      <source>Linked or not</source>
      <translation>关联状态不限</translation>
    </message>
    <message>
      <source>Linked to persons</source>
      <translation>已关联人员</translation>
    </message>
    <message>
      <source>Not linked</source>
      <translation>未关联</translation>
    </message>
    <message>
      <source>Any review state</source>
      <translation>审核状态不限</translation>
    </message>
    <message>
      <source>Not reviewed</source>
      <translation>未审核</translation>
    </message>
    <message>
      <source>Passed review</source>
      <translation>审核通过</translation>
    </message>
    <message>
      <source>Awaiting re-capture</source>
      <translation>待重拍</translation>
    </message>
    <message>
      <source>Captured between</source>
      <translation>采集日期</translation>
    </message>
    <message>
      <source>Batch archive no.</source>
      <translation>档号</translation>
    </message>
    <message>
      <source>Searching…</source>
      <translation>正在查询…</translation>
    </message>
    <message>
      <source> (more: refine the query)</source>
      <translation>（结果更多：请缩小查询范围）</translation>
    </message>
    <message>
      <source>{0} results in {1} ms</source>
      <translation>{0} 条结果，用时 {1} 毫秒</translation>
    </message>
  </context>
  <context>
    <name>SettingsDialog</name>
    <message>
      <source>Automatic (simulated camera when none is attached)</source>
      <translation>自动（未连接高拍仪时使用模拟高拍仪）</translation>
    </message>
    <message>
      <source>Simulated camera</source>
      <translation>模拟高拍仪</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <source>General</source>
      <translation>常规</translation>
    </message>
    <message>
      <source>Interface language</source>
      <translation>界面语言</translation>
    </message>
    <message>
      <source>Station code</source>
      <translation>工作站代码</translation>
    </message>
    <message>
      <source>Station name</source>
      <translation>工作站名称</translation>
    </message>
    <message>
      <source>(takes effect after restart)</source>
      <translation>（重启后生效）</translation>
    </message>
    <message>
      <source>All other settings apply as soon as you save (backup target, OCR engine, image format…).</source>
      <translation>其余设置保存后立即生效（备份存储、OCR 引擎、图像格式等）。</translation>
    </message>
    <message>
      <source>Lock screen after idle (minutes)</source>
      <translation>无操作自动锁屏（分钟）</translation>
    </message>
    <message>
      <source>Data folder</source>
      <translation>数据目录</translation>
    </message>
    <message>
      <source>Capture and processing</source>
      <translation>采集与处理</translation>
    </message>
    <message>
      <source>Camera</source>
      <translation>高拍仪</translation>
    </message>
    <message>
      <source>Master image format</source>
      <translation>原图格式</translation>
    </message>
    <message>
      <source>JPEG quality</source>
      <translation>JPEG 质量</translation>
    </message>
    <message>
      <source>Target resolution (dpi)</source>
      <translation>目标分辨率（dpi）</translation>
    </message>
    <message>
      <source>OCR engine</source>
      <translation>识别引擎</translation>
    </message>
    <message>
      <source>Backup storage</source>
      <translation>备份存储</translation>
    </message>
    <message>
      <source>Storage URL (s3://bucket/prefix or file:///path)</source>
      <translation>存储地址（s3://存储桶/前缀 或 file:///路径）</translation>
    </message>
    <message>
      <source>Language and station changes take effect after the next start.</source>
      <translation>界面语言和工作站的修改将在下次启动后生效。</translation>
    </message>
  </context>
  <context>
    <name>SyncView</name>
    <message>
      <source>Target:</source>
      <translation>备份目标：</translation>
    </message>
    <message>
      <source>Pages:</source>
      <translation>页面：</translation>
    </message>
    <message>
      <source>Objects:</source>
      <translation>对象：</translation>
    </message>
    <message>
      <source>State:</source>
      <translation>状态：</translation>
    </message>
    <message>
      <source>Last error:</source>
      <translation>最近错误：</translation>
    </message>
    <message>
      <source>Sync now</source>
      <translation>立即同步</translation>
    </message>
    <message>
      <source>Verify cloud copy</source>
      <translation>校验远端副本</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Archive no.</source>
      <translation>档号</translation>
    </message>
    <message>
      <source>Page</source>
      <translation>页面</translation>
    </message>
    <message>
      <source>Sync state</source>
      <translation>同步状态</translation>
    </message>
    <message>
      <source>Local only</source>
      <translation>仅本地</translation>
    </message>
    <message>
      <source>Uploaded</source>
      <translation>已上传</translation>
    </message>
    <message>
      <source>Verified</source>
      <translation>已校验</translation>
    </message>
    <message>
      <source>(not configured)</source>
      <translation>（未配置）</translation>
    </message>
    <message>
      <source>{verified} verified, {uploaded} uploaded, {local} local</source>
      <translation>已校验 {verified}，已上传 {uploaded}，仅本地 {local}</translation>
    </message>
    <message>
      <source>{verified} verified, {pending} pending, {failed} failed</source>
      <translation>已校验 {verified}，待处理 {pending}，失败 {failed}</translation>
    </message>
    <message>
      <source>Syncing…</source>
      <translation>正在同步…</translation>
    </message>
    <message>
      <source>Offline – will retry automatically</source>
      <translation>离线——将自动重试</translation>
    </message>
    <message>
      <source>Idle</source>
      <translation>空闲</translation>
    </message>
    <message>
      <source>Upload requests:</source>
      <translation>上传请求：</translation>
    </message>
    <message>
      <source>{waiting} waiting, {failed} failed</source>
      <translation>{waiting} 个等待，{failed} 个失败</translation>
    </message>
    <message>
      <source>Upload failed – next try at {time}</source>
      <translation>上传失败——将于 {time} 重试</translation>
    </message>
    <message>
      <source>Upload failed after repeated tries – use Sync now</source>
      <translation>多次重试后上传失败——请点击“立即同步”</translation>
    </message>
    <message>
      <source>Upload waiting</source>
      <translation>等待上传</translation>
    </message>
  </context>
  <context>
    <name>UnlockDialog</name>
    <message>
      <source>Screen locked</source>
      <translation>屏幕已锁定</translation>
    </message>
    <message>
      <source>Locked after inactivity. Enter the password of %1.</source>
      <translation>长时间未操作，屏幕已锁定。请输入 %1 的密码。</translation>
    </message>
    <message>
      <source>Unlock</source>
      <translation>解锁</translation>
    </message>
    <message>
      <source>Log out / switch user</source>
      <translation>注销 / 切换用户</translation>
    </message>
    <message>
      <source>Ends this session; the next user logs in. The application keeps running.</source>
      <translation>结束本次登录，由下一位用户登录；程序不会退出。</translation>
    </message>
  </context>
  <context>
    <name>UserEditDialog</name>
    <message>
      <source>Edit user</source>
      <translation>编辑用户</translation>
    </message>
    <message>
      <source>New user</source>
      <translation>新建用户</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>用户名</translation>
    </message>
    <message>
      <source>Full name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Initial password</source>
      <translation>初始密码</translation>
    </message>
    <message>
      <source>Clerk (capture, link)</source>
      <translation>采集员（采集、关联）</translation>
    </message>
    <message>
      <source>Reviewer (review, QA)</source>
      <translation>审核员（审核、抽检）</translation>
    </message>
    <message>
      <source>Searcher (search, view, export)</source>
      <translation>查询员（查询、查看、导出）</translation>
    </message>
    <message>
      <source>Administrator</source>
      <translation>管理员</translation>
    </message>
    <message>
      <source>Roles</source>
      <translation>角色</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>工作站</translation>
    </message>
    <message>
      <source>May work on all stations</source>
      <translation>可在所有工作站工作</translation>
    </message>
  </context>
  <context>
    <name>UsersDialog</name>
    <message>
      <source>Users</source>
      <translation>用户</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>用户名</translation>
    </message>
    <message>
      <source>Full name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Roles</source>
      <translation>角色</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>工作站</translation>
    </message>
    <message>
      <source>State</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Last login</source>
      <translation>最近登录</translation>
    </message>
    <message>
      <source>Add…</source>
      <translation>添加…</translation>
    </message>
    <message>
      <source>Edit…</source>
      <translation>编辑…</translation>
    </message>
    <message>
      <source>Reset password…</source>
      <translation>重置密码…</translation>
    </message>
    <message>
      <source>Unlock</source>
      <translation>解锁</translation>
    </message>
    <message>
      <source>Disable / enable</source>
      <translation>停用 / 启用</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>关闭</translation>
    </message>
    <message>
      <source>Clerk</source>
      <translation>采集员</translation>
    </message>
    <message>
      <source>Reviewer</source>
      <translation>审核员</translation>
    </message>
    <message>
      <source>Searcher</source>
      <translation>查询员</translation>
    </message>
    <message>
      <source>Administrator</source>
      <translation>管理员</translation>
    </message>
    <message>
      <source>active</source>
      <translation>正常</translation>
    </message>
    <message>
      <source>disabled</source>
      <translation>已停用</translation>
    </message>
    <message>
      <source>locked</source>
      <translation>已锁定</translation>
    </message>
    <message>
      <source>all stations</source>
      <translation>所有工作站</translation>
    </message>
    <message>
      <source>Reset password</source>
      <translation>重置密码</translation>
    </message>
    <message>
      <source>Temporary password (the user must change it at login):</source>
      <translation>临时密码（用户登录时必须修改）：</translation>
    </message>
    <message>
      <source>Disable user</source>
      <translation>停用用户</translation>
    </message>
    <message>
      <source>Disable this user?</source>
      <translation>确定停用该用户？</translation>
    </message>
  </context>
  <context>
    <name>WarningsView</name>
    <message>
      <source>Run checks</source>
      <translation>运行检查</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Export CSV…</source>
      <translation>导出 CSV…</translation>
    </message>
    <message>
      <source>Rule</source>
      <translation>规则</translation>
    </message>
    <message>
      <source>Count</source>
      <translation>数量</translation>
    </message>
    <message>
      <source>Station</source>
      <translation>工作站</translation>
    </message>
    <message>
      <source>Household</source>
      <translation>户号</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Finding</source>
      <translation>问题</translation>
    </message>
    <message>
      <source>Persons</source>
      <translation>人数</translation>
    </message>
    <message>
      <source>With warnings</source>
      <translation>有预警</translation>
    </message>
    <message>
      <source>Share</source>
      <translation>占比</translation>
    </message>
    <message>
      <source>Rules</source>
      <translation>规则</translation>
    </message>
    <message>
      <source>Share of persons with warnings per station</source>
      <translation>各工作站有预警人员占比</translation>
    </message>
    <message>
      <source>Findings of the selected rule</source>
      <translation>所选规则的问题明细</translation>
    </message>
    <message>
      <source>Checking…</source>
      <translation>正在检查…</translation>
    </message>
    <message numerus="yes">
      <source>%n finding(s) exported.</source>
      <translation>
        <numerusform>已导出 %n 条问题。</numerusform>
      </translation>
    </message>
    <message>
      <source>Export findings</source>
      <translation>导出问题明细</translation>
    </message>
    <message numerus="yes">
      <source>%n finding(s).</source>
      <translation>
        <numerusform>共 %n 条问题。</numerusform>
      </translation>
    </message>
  </context>
</TS>