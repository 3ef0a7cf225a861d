-- 数据质量·拒收行明细：被拒收的源数据行本身——文件、行号、办件编号、原因代码，按拉取顺序和行号，最多列出
-- $1 行（报告篇幅所限；总数见“拒收原因”）。覆盖整个仓库。原始行内容（raw）不列出：可能含个人信息，
-- 需要时由分析人员在 rejects 视图中查看。
-- Data quality · rejected rows: the rejected source rows themselves — file, line, case id,
-- reason code — in pull order and line order, at most $1 rows (to keep the report readable;
-- the total is under "rejects by reason"; the query asks for one more to tell whether the list
-- was cut). Covers the whole warehouse. The raw row is not listed (it may hold personal data):
-- analysts read it from the rejects view.
SELECT source_file,
       source_line,
       case_id,
       reason
FROM rejects
ORDER BY file_id, source_line
LIMIT $1 + 1;
