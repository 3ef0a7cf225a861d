-- 005 countries: Traditional names and aliases (issue 11).
-- 国家表增加繁体名称（name_zh_hant）与别名（aliases），取代原 alias_zh 列。
--
-- `countries` is reference data, reloaded from the embedded sql/data/countries.csv by
-- pipeline/warehouse (reference.go) whenever the embedded data changes, so it is recreated
-- here with the new columns rather than altered; forgetting the stored reference checksum
-- makes the next open reload it (and rebuild country_keys, and re-resolve cases.country).
DROP TABLE countries;

-- 国家和地区 / ISO 3166-1 countries.
CREATE TABLE countries (
    alpha2        VARCHAR PRIMARY KEY,  -- ISO 3166-1 alpha-2, the value of cases.country
    alpha3        VARCHAR NOT NULL,     -- alpha-3
    numeric       VARCHAR NOT NULL,     -- numeric code, three digits ('036')
    name_en       VARCHAR NOT NULL,     -- English short name (ISO)
    name_zh       VARCHAR NOT NULL,     -- Chinese name in mainland usage (中国香港, 柬埔寨, 马耳他)
    name_zh_hant  VARCHAR NOT NULL,     -- Traditional Chinese name (CLDR zh_Hant)
    aliases       VARCHAR               -- other recognised spellings, '|'-separated (UK, 澳洲, 香港, …)
);

DELETE FROM meta WHERE key = 'reference_sha256';
