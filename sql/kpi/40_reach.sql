-- 服务覆盖与便民 / reach: countries served, channels and trips.
--
-- Countries are the normalised ISO alpha-2 codes in cases.country; a country the pull did not
-- recognise (country NULL, raw text kept in country_raw) is not counted. Channels are the six
-- of SPEC §4.1, in that order, with zeros for a channel without cases.

-- @kpi countries 服务国家（地区）数
-- name: Countries
-- zh: 本期受理的办件中，可识别的侨居国家（地区）的个数（去重）。
-- en: Distinct recognised countries among the cases received in P.

-- @kpi countries_cumulative 累计服务国家（地区）数
-- name: Countries, cumulative
-- zh: 截至本期末受理的全部办件中，可识别的侨居国家（地区）的个数（去重）。
-- en: Distinct recognised countries among the cases received by the end of P.
-- A country is among them when its first case was received by the end of P, so one pass over
-- `cases` finds each country's first case (kpi_country_first_cases) and every period end counts
-- the countries whose first case is by then.
CREATE OR REPLACE TEMP MACRO kpi_country_first_cases() AS TABLE
SELECT country, min(received_date) AS received_date
FROM cases
WHERE country IS NOT NULL
GROUP BY country;

-- @kpi bundle_share 打包办占比
-- name: Bundled-service share
-- zh: 本期受理的办件中，通过“打包办”（一窗通办、联办）渠道受理的比例。
-- en: Of the cases received in P, the share with channel bundle (打包办).
CREATE OR REPLACE TEMP MACRO kpi_is_bundle(channel) AS (channel = 'bundle');

-- @kpi outreach_cases 进园区、进社区办件量
-- name: Outreach cases
-- zh: 本期受理的办件中，通过进园区、进社区、上门等外出服务渠道受理的办件数。
-- en: Cases received in P with channel outreach (industrial parks, communities, home visits).
CREATE OR REPLACE TEMP MACRO kpi_is_outreach(channel) AS (channel = 'outreach');

-- @kpi remote_cases 拍照回传远程核验件数
-- name: Remote-verification cases
-- zh: 本期受理的办件中，通过拍照回传、远程核验渠道受理的办件数。
-- en: Cases received in P with channel remote (remote verification by photo).
CREATE OR REPLACE TEMP MACRO kpi_is_remote(channel) AS (channel = 'remote');

-- @kpi avg_trips 平均跑动次数
-- name: Average trips
-- zh: 本期受理且记录了跑动次数的办件，申请人平均跑动次数。
-- en: Mean of trips over the cases received in P that have trips recorded.

-- All but countries_cumulative are counted in 80_report.sql, in the pass over the cases received
-- in P, for the office and per item: countries as count(DISTINCT country) (NULL, an unrecognised
-- country, is not counted), avg_trips as avg(trips) (cases without trips are left out).
-- countries_cumulative is an office figure only (NULL per item).

-- kpi_channel_list(): the channels of §4.1 in order with their Chinese names. by_channel lists
-- the cases received in P in each of them, zeros included, with each one's share of the cases
-- received in P (80_report.sql).
CREATE OR REPLACE TEMP MACRO kpi_channel_list() AS TABLE
SELECT * FROM (VALUES (1, 'window', '窗口'), (2, 'bundle', '打包办'), (3, 'outreach', '进园区/进社区'),
                      (4, 'remote', '拍照回传'), (5, 'online', '网上办理'), (6, 'mail', '邮寄')) ch(ord, channel, name_zh);
