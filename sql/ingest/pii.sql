-- 个人信息 / personal data in case exports (issue 12; 《个人信息保护法》 minimisation).
-- Created as TEMP macros on the pulling connection at the start of every pull (after
-- functions.sql), so the warehouse always runs the rules of the binary that pulls. The README's
-- "Personal data" section says what an office can rely on; pipeline/pii decides, per file,
-- which columns are personal data by their header and builds the expressions below into the
-- staging view (pipeline/ingest, stage.go).
--
-- Every column of a file that is not a §4.1 field is one of:
--   personal data by header  (申请人姓名, 身份证号, 联系电话, 住址…, or named in pii.columns):
--                            hashed (cl_pii_hash) or dropped, as pii.policy says;
--   kept                     (named in pii.columns with keep): as it is;
--   anything else            (备注, 经办窗口…): searched row by row, and what it holds of personal
--                            data is masked in place: values of the same row's personal-data
--                            columns (cl_pii_unrow), then the patterns below (cl_pii_mask).
-- A rejected row's raw record gets the same treatment, and its §4.1 fields except case_id are
-- masked too (a row that fails validation is often one whose columns slid: a name in 办理状态).
--
-- 模式 / patterns found in text (cl_pii_mask), each replaced by a placeholder:
--   [邮箱]      e-mail addresses                               x.y@example.com
--   [身份证号]  18-character resident ID numbers (居民身份证, also the 港澳台居民居住证 of the
--               same form): 17 digits and a check digit, 0–9 or X (x), right by GB 11643-1999
--               (cl_pii_id18); any 18 such characters whose check digit is right are masked,
--               wherever they stand — what an auditor's query looks for (README);
--               15-digit ID numbers of the first generation: a run of exactly 15 digits whose
--               7th–12th digits are a date YYMMDD (cl_pii_id15);
--   [手机号]    mainland mobile numbers: a run of exactly 11 digits 1[3-9]…, also after 86 or
--               0086, and the spaced forms 138 1234 5678 and 138-1234-5678;
--   [证件号]    travel permits and passports: 1–2 letters and digits, as 港澳居民来往内地通行证
--               H/M + 8 or 10 digits, 往来港澳通行证 C + 8 digits or C + letter + 7 digits,
--               往来台湾通行证 L + 8 digits, passports E/G + 8 digits or E + letter + 7 digits.
--               (The 8 digits of a 台胞证 cannot be told from other numbers: a column named
--               台胞证 is personal data by its header.)
-- Full-width digits (１３８…) count as digits. Placeholders hold no digit, so masking never
-- makes a new match. Over-masking is the intended side: an 18-digit order number whose last
-- digit happens to fit the check is masked as an ID number (one in eleven).
--   在文本中发现的邮箱、身份证号（校验位正确的18位、含出生日期的15位）、手机号、港澳台通行证和护照号
--   均以占位符替换；同一行个人信息列的值出现在其他列中时，以 [列名] 替换。

-- cl_pii_fold(s): full-width digits and Ｘ as ASCII, for the checks below.
CREATE OR REPLACE TEMP MACRO cl_pii_fold(s) AS (translate(s, '０１２３４５６７８９Ｘｘ', '0123456789Xx'));

-- cl_pii_id18(s): s is 18 characters, 17 digits then a digit or X/x, and its check digit is
-- right: the sum of the first 17 digits weighted 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, modulo
-- 11, indexes '10X98765432' (GB 11643-1999). 18位公民身份号码，校验位正确。
CREATE OR REPLACE TEMP MACRO cl_pii_id18(s) AS (
    list_transform([cl_pii_fold(s)], lambda f:
        regexp_full_match(f, '[0-9]{17}[0-9Xx]')
        AND substr('10X98765432',
                   (list_sum(list_transform(range(17), lambda i:
                        (ascii(f[i + 1]) - 48) * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i + 1])) % 11)::INTEGER + 1,
                   1) = upper(f[18]))[1]
);

-- cl_pii_id15(s): s is a 15-digit ID number of the first generation: 6 digits of region (the
-- first not 0), a date YYMMDD, 3 digits. 15位（第一代）身份证号码，含出生日期。
CREATE OR REPLACE TEMP MACRO cl_pii_id15(s) AS (
    regexp_full_match(cl_pii_fold(s), '[1-9][0-9]{7}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}')
);

-- cl_pii_tokens(s): s cut into tokens that, put together, are s again — an e-mail address, a
-- spaced mobile number (138 1234 5678, 138-1234-5678), 18 characters that could be an ID number
-- (17 digits, then a digit or X), a run of digits, a run of ASCII letters, or a run of anything
-- else — trying them in that order at each place. Digits are ASCII or full-width. An ID
-- number's 18 characters are therefore found exactly where an auditor's
-- regexp_extract_all(text, '[0-9]{17}[0-9Xx]') finds them, and masking one changes nothing
-- around it: no ID number with a right check digit is left, or made, by masking.
CREATE OR REPLACE TEMP MACRO cl_pii_tokens(s) AS (
    regexp_extract_all(s, '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}'
                          || '|1[3-9][0-9][ -][0-9]{4}[ -][0-9]{4}'
                          || '|[0-9０-９]{17}[0-9０-９XxＸｘ]|[0-9０-９]+|[A-Za-z]+|[^0-9０-９A-Za-z]+')
);

-- cl_pii_permit_at(t, i): tokens t[i] (1–2 letters) and t[i + 1] (digits) are a travel permit
-- or passport number (whatever stands around them: masking a number next to one may have
-- left it standing alone).
CREATE OR REPLACE TEMP MACRO cl_pii_permit_at(t, i) AS (
    i >= 1 AND i < len(t)
    AND regexp_full_match(t[i], '[A-Za-z]{1,2}')
    AND regexp_full_match(cl_pii_fold(t[i] || t[i + 1]), '[HMhm][0-9]{8}([0-9]{2})?|[CcLlEeGg][0-9]{8}|[CcEe][A-Za-z][0-9]{7}')
);

-- cl_pii_token(t, i): what token t[i] becomes: its placeholder, or itself.
CREATE OR REPLACE TEMP MACRO cl_pii_token(t, i) AS (
    list_transform([t[i]], lambda x:
        CASE
            WHEN contains(x, '@') AND regexp_full_match(x, '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}')
                THEN '[邮箱]'
            WHEN regexp_full_match(x, '1[3-9][0-9][ -][0-9]{4}[ -][0-9]{4}') THEN '[手机号]'
            WHEN length(x) = 18 AND cl_pii_id18(x) THEN '[身份证号]'
            WHEN NOT regexp_full_match(x, '[0-9０-９]+') THEN
                CASE WHEN cl_pii_permit_at(t, i) THEN '[证件号]' ELSE x END
            WHEN length(x) = 15 AND cl_pii_id15(x) THEN '[身份证号]'
            WHEN length(x) BETWEEN 11 AND 15 AND regexp_full_match(cl_pii_fold(x), '(0086|86)?1[3-9][0-9]{9}') THEN '[手机号]'
            WHEN cl_pii_permit_at(t, i - 1) THEN ''   -- the digits of a permit number: its letters became the placeholder
            ELSE x
        END)[1]
);

-- cl_pii_mask(s): s with every pattern above replaced by its placeholder. Most text holds
-- none: one regular expression — every pattern has 7 digits in a row, an @, or the spaced
-- mobile form — lets it through untouched. 文本中的个人信息以占位符替换。
CREATE OR REPLACE TEMP MACRO cl_pii_mask(s) AS (
    CASE
        WHEN s IS NULL OR NOT regexp_matches(s, '[0-9０-９]{7}|@|[0-9][ -][0-9]{4}[ -][0-9]') THEN s
        ELSE list_transform([cl_pii_tokens(s)], lambda t:
                 array_to_string(list_transform(range(1, len(t) + 1), lambda i: cl_pii_token(t, i)), ''))[1]
    END
);

-- cl_pii_key(v): the text of a personal-data value that is looked for in the same row's other
-- columns: without surrounding blanks, and only when at least 2 characters long (a 1-character
-- value such as 无 or - would mask too much); NULL otherwise.
CREATE OR REPLACE TEMP MACRO cl_pii_key(v) AS (
    list_transform([cl_text(v)], lambda k: CASE WHEN length(k) >= 2 THEN k END)[1]
);

-- cl_pii_unrow(s, keys, labels): s with each of keys (the row's personal-data values, as
-- cl_pii_key gives them) replaced by its label ('[申请人姓名]': the column's header in
-- brackets). 同一行个人信息列的值在其他列中以 [列名] 替换，如 “申请人林秀英补交材料” →
-- “申请人[申请人姓名]补交材料”. A value not found costs one search per key.
CREATE OR REPLACE TEMP MACRO cl_pii_unrow(s, keys, labels) AS (
    CASE
        WHEN s IS NULL OR NOT list_bool_or(list_transform(keys, lambda k: coalesce(contains(s, k), false))) THEN s
        ELSE list_reduce(keys, lambda acc, k, i: CASE WHEN k IS NULL THEN acc ELSE replace(acc, k, labels[i]) END, s)
    END
);

-- cl_pii_id_like(s): a value that looks like a resident ID number as a whole (cl_pii_id18 or
-- cl_pii_id15): case ids that do are kept (they are the office's key) and warned about.
CREATE OR REPLACE TEMP MACRO cl_pii_id_like(s) AS (
    length(s) IN (15, 18) AND (cl_pii_id18(s) OR cl_pii_id15(s))
);
