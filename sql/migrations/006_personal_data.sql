-- 006 personal data (issue 12): the ledger records what each file's personal data became, and
-- what earlier pulls kept of it in the clear is removed.
-- caseload: compact (the generation is rewritten into a fresh file, and the previous one is not
-- kept, so that no byte of the removed values stays in free space or in .caseload/previous.duckdb)
-- 个人信息：台账记录每个文件的个人信息处理方式；升级时清除早先拉取时以明文保存的个人信息。
--
-- Before this version a pull kept every column that is not a §4.1 field as it was, in
-- cases.extra and rejects.raw. This migration applies the rules of this version
-- (sql/ingest/pii.sql, pipeline/pii) to them:
--   * a key that names personal data by the built-in header list (申请人姓名, 身份证号, 联系电话,
--     住址, phone, email…) is dropped — in cases.extra, and in rejects.raw (where the §4.1
--     columns never match the list);
--   * every other value is masked in place: the same row's dropped values as [key], then ID
--     numbers with a right check digit, 15-digit ID numbers, mobile numbers, e-mail addresses,
--     travel permits and passports as placeholders ([身份证号], [手机号], [邮箱], [证件号]);
--     in rejects.raw the case id (the value equal to rejects.case_id) is kept as it is;
--   * ingest_files.pii (new) says so for each earlier file: policy drop, reason "migration 006",
--     and the columns dropped.
-- 升级时无法取得密钥：按“丢弃”处理（无法哈希的个人信息不保留），其余列中的个人信息以占位符替换。
--
-- Why drop and not hash: a migration runs when a warehouse is opened for writing, by whatever
-- command does that (pull, run, demo, deliver), and has no key at hand — keys are read only by
-- a pull, from the environment of the process that pulls. Data cannot wait in the clear for a
-- pull with the key, so what cannot be hashed is removed now. An office that sets a key and
-- wants its earlier files hashed rather than dropped pulls them again with --force: their rows
-- then replace the migrated ones, hashed. Columns named in pii.columns of caseload.yaml are not
-- known here (this migration cannot read the project's file): a pull treats them from then on,
-- and values of theirs that look like ID numbers, phones or e-mail addresses are masked here
-- like any other.
--
-- The rules below are this migration's own copy, frozen as they were in version 006 (a
-- migration must do the same thing whenever it runs); TestMigration006 checks that they treat
-- values as a pull of the same version does.

ALTER TABLE ingest_files ADD COLUMN pii JSON;

CREATE OR REPLACE TEMP MACRO m006_header(k) AS (
    list_transform([lower(trim(k))], lambda h:
        list_contains(['申请人', '代理人', '委托人', '受托人', '联系人', '监护人', '身份证', '证件', '护照', '通行证'], h)
        OR list_bool_or(list_transform(['姓名', '名字', '身份证号', '身份号码', '身份证件号', '公民身份号', '证件号', '证件编号',
                                        '证照号', '护照号', '护照编号', '通行证号', '通行证编号', '台胞证', '回乡证', '居住证号',
                                        '电话', '手机', '座机', '固话', '联系方式', '住址', '地址', '邮箱', '电子邮件', '微信', 'qq号',
                                        '出生日期', '生日', '银行账号', '银行卡号', '社保号', '社会保障号'], lambda p: contains(h, p)))
        OR list_transform([regexp_extract_all(lower(regexp_replace(replace(replace(k, 'e-mail', 'email'), 'E-mail', 'email'),
                                                                    '([a-z])([A-Z])', '\1 \2', 'g')), '[a-z0-9]+')], lambda w:
               list_has_any(w, ['passport', 'phone', 'telephone', 'tel', 'mobile', 'cellphone', 'email', 'address', 'addr',
                                'wechat', 'birthday', 'birthdate', 'dob', 'idcard', 'idno', 'idnumber', 'ssn', 'surname',
                                'firstname', 'lastname', 'fullname', 'givenname', 'familyname'])
               OR (list_contains(w, 'name') AND (len(w) = 1 OR list_has_any(w, ['applicant', 'person', 'contact', 'full', 'first',
                   'last', 'given', 'family', 'client', 'customer', 'agent', 'proxy', 'guardian', 'holder', 'owner', 'resident'])))
               OR (list_contains(w, 'id') AND list_has_any(w, ['number', 'no', 'num', 'card', 'national', 'identity', 'personal',
                   'citizen', 'resident']))
               OR w = ['applicant'])[1])[1]
);

CREATE OR REPLACE TEMP MACRO m006_fold(s) AS (translate(s, '０１２３４５６７８９Ｘｘ', '0123456789Xx'));

CREATE OR REPLACE TEMP MACRO m006_id18(s) AS (
    list_transform([m006_fold(s)], lambda f:
        CASE
            WHEN regexp_full_match(f, '[0-9]{17}[0-9Xx]')
                THEN substr('10X98765432',
                            (list_inner_product(string_split(f[1:17], '')::INTEGER[], [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])::INTEGER % 11) + 1,
                            1) = upper(f[18])
            ELSE false
        END)[1]
);

CREATE OR REPLACE TEMP MACRO m006_id15(s) AS (
    regexp_full_match(m006_fold(s), '[1-9][0-9]{7}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}')
);

CREATE OR REPLACE TEMP MACRO m006_token(x) AS (
    CASE
        WHEN contains(x, '@') AND regexp_full_match(x, '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}')
            THEN '[邮箱]'
        WHEN regexp_full_match(x, '1[3-9][0-9][ -][0-9]{4}[ -][0-9]{4}') THEN '[手机号]'
        WHEN regexp_full_match(x, '[HMhm][0-9０-９]{8}(?:[0-9０-９]{2})?|[CcLlEeGg][0-9０-９]{8}|[CcEe][A-Za-z][0-9０-９]{7}') THEN '[证件号]'
        WHEN length(x) = 18 AND m006_id18(x) THEN '[身份证号]'
        WHEN NOT regexp_full_match(x, '[0-9０-９]+') THEN x
        WHEN length(x) = 15 AND m006_id15(x) THEN '[身份证号]'
        WHEN length(x) BETWEEN 11 AND 15 AND regexp_full_match(m006_fold(x), '(0086|86)?1[3-9][0-9]{9}') THEN '[手机号]'
        ELSE x
    END
);

-- The text cut into tokens (e-mail address | spaced mobile | permit or passport number | 18
-- characters that could be an ID number | digits | letters | anything else, the first that
-- matches at each place), each kept or replaced by its placeholder.
CREATE OR REPLACE TEMP MACRO m006_mask(s) AS (
    CASE
        WHEN s IS NULL OR NOT regexp_matches(s, '[0-9０-９]{7}|@|[0-9][ -][0-9]{4}[ -][0-9]') THEN s
        ELSE array_to_string(list_transform(regexp_extract_all(s,
                 '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}'
                 || '|1[3-9][0-9][ -][0-9]{4}[ -][0-9]{4}'
                 || '|[HMhm][0-9０-９]{8}(?:[0-9０-９]{2})?|[CcLlEeGg][0-9０-９]{8}|[CcEe][A-Za-z][0-9０-９]{7}'
                 || '|[0-9０-９]{17}[0-9０-９XxＸｘ]|[0-9０-９]+|[A-Za-z]+|[^0-9０-９A-Za-z]+'), lambda x: m006_token(x)), '')
    END
);

CREATE OR REPLACE TEMP MACRO m006_key(v) AS (
    list_transform([trim(v, ' ' || chr(9) || chr(12288) || chr(160))], lambda k: CASE WHEN length(k) >= 2 THEN k END)[1]
);

CREATE OR REPLACE TEMP MACRO m006_unrow(s, keys, labels) AS (
    CASE
        WHEN s IS NULL OR NOT list_bool_or(list_transform(keys, lambda k: coalesce(contains(s, k), false))) THEN s
        ELSE list_reduce(keys, lambda acc, k, i: CASE WHEN k IS NULL THEN acc ELSE replace(acc, k, labels[i]) END, s)
    END
);

-- m006_treat(j, keep): a JSON object of text values without its personal-data keys, the other
-- values masked (a value equal to keep stays as it is: the case id of a rejected row); NULL
-- when no key is left.
CREATE OR REPLACE TEMP MACRO m006_treat(j, keep) AS (
    list_transform([map_entries(j::MAP(VARCHAR, VARCHAR))], lambda es:
        list_transform([list_filter(es, lambda e: m006_header(e.key))], lambda pe:
            nullif(to_json(map_from_entries(list_transform(list_filter(es, lambda e: NOT m006_header(e.key)), lambda e:
                {'key': e.key,
                 'value': CASE WHEN e.value IS NOT DISTINCT FROM keep THEN e.value
                               ELSE m006_mask(m006_unrow(e.value, list_transform(pe, lambda x: m006_key(x.value)),
                                                                   list_transform(pe, lambda x: '[' || x.key || ']'))) END})))::VARCHAR,
                   '{}')::JSON)[1])[1]
);

-- The keys each earlier file loses, read before they go.
CREATE OR REPLACE TEMP TABLE m006_dropped AS
SELECT file_id, list(DISTINCT key ORDER BY key) AS keys
FROM (SELECT file_id, unnest(json_keys(extra)) AS key FROM cases WHERE extra IS NOT NULL
      UNION ALL
      SELECT file_id, unnest(json_keys(raw)) FROM rejects)
WHERE m006_header(key)
GROUP BY file_id;

UPDATE cases SET extra = m006_treat(extra, NULL) WHERE extra IS NOT NULL;

UPDATE rejects SET raw = coalesce(m006_treat(raw, case_id), '{}');

UPDATE ingest_files SET pii = json_object(
    'policy', 'drop', 'reason', 'migration 006',
    'columns', coalesce((SELECT to_json(list_transform(d.keys, lambda k: {'column': k, 'how': 'dropped', 'by': 'header'}))
                         FROM m006_dropped d WHERE d.file_id = ingest_files.file_id), '[]'::JSON));

DROP TABLE m006_dropped;
DROP MACRO m006_treat;
DROP MACRO m006_unrow;
DROP MACRO m006_key;
DROP MACRO m006_mask;
DROP MACRO m006_token;
DROP MACRO m006_id15;
DROP MACRO m006_id18;
DROP MACRO m006_fold;
DROP MACRO m006_header;
