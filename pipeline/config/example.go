package config

// ExampleJobKeys are the optional keys of a job, commented out, as `caseload init` and
// `caseload demo` write them under their monthly-report job (indented for a list entry).
// Uncommented, with deliver added to the job's steps, they load as written.
const ExampleJobKeys = `    # deliver: [officials, archive]  # 与 steps 中的 deliver 一起用 / with deliver in steps
    # catchup: latest            # 停机期间错过的执行：latest | all | none / ticks missed while down
    # retries: 2                 # 失败后重试次数 / extra attempts after a failed one
    # retry_backoff: 5m          # 首次重试前等待，之后加倍 / first delay, doubling
    # timeout: 30m               # 超时即取消（timed_out）/ a run past this is cancelled
`

// ExampleDeliveries are deliveries and alerts, commented out, as `caseload init` and
// `caseload demo` write them. Uncommented they load as written; the secrets they name are
// read from the environment only when a message is sent.
const ExampleDeliveries = `# 报告分发与告警：密码和地址只从环境变量读取（见 README "Delivery"）
# deliveries and alerts: secrets come only from environment variables (README, "Delivery")
# deliveries:
#   - name: officials
#     kind: email
#     smtp: {host: mail.example.gov.cn, port: 465, tls: ssl, username: stats@example.gov.cn, password_env: CASELOAD_SMTP_PASSWORD}
#     from: 示范县侨办数据统计 <stats@example.gov.cn>
#     to: [kezhang@example.gov.cn]
#     attach: [xlsx]
#   - name: archive
#     kind: folder
#     path: /srv/share/侨办报表/{period}
#     keep: 36
#   - name: it-staff
#     kind: wecom
#     url_env: CASELOAD_WECOM_URL
# alerts: [it-staff]             # 运行失败、超时、中断、错过时通知 / told of failed, timed-out, interrupted, missed runs
`
