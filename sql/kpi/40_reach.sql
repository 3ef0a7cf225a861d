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
-- @kpi bundle_share 打包办占比
-- name: Bundled-service share
-- zh: 本期受理的办件中，通过“打包办”（一窗通办、联办）渠道受理的比例。
-- en: Of the cases received in P, the share with channel bundle (打包办).
-- @kpi outreach_cases 进园区、进社区办件量
-- name: Outreach cases
-- zh: 本期受理的办件中，通过进园区、进社区、上门等外出服务渠道受理的办件数。
-- en: Cases received in P with channel outreach (industrial parks, communities, home visits).
-- @kpi remote_cases 拍照回传远程核验件数
-- name: Remote-verification cases
-- zh: 本期受理的办件中，通过拍照回传、远程核验渠道受理的办件数。
-- en: Cases received in P with channel remote (remote verification by photo).
-- @kpi avg_trips 平均跑动次数
-- name: Average trips
-- zh: 本期受理且记录了跑动次数的办件，申请人平均跑动次数。
-- en: Mean of trips over the cases received in P that have trips recorded.
-- kpi_reach(d0, d1): the reach figures for the office and per item (countries_cumulative
-- for the office only: per item it is NULL).
CREATE OR REPLACE TEMP MACRO kpi_reach(d0, d1) AS TABLE
WITH flow AS (
    SELECT item_code,
           count(DISTINCT country)                                AS countries,
           count(*)                                               AS received_n,
           count(*) FILTER (WHERE channel = 'bundle')             AS bundle_n,
           count(*) FILTER (WHERE channel = 'outreach')           AS outreach_cases,
           count(*) FILTER (WHERE channel = 'remote')             AS remote_cases,
           avg(trips)                                             AS avg_trips
    FROM cases
    WHERE kpi_is_received(received_date, d0, d1)
    GROUP BY GROUPING SETS ((), (item_code))
), cumulative AS (
    SELECT count(*) AS countries_cumulative
    FROM (SELECT DISTINCT country FROM cases WHERE kpi_by_end(received_date, d1) AND country IS NOT NULL)
)
SELECT flow.item_code, flow.countries,
       CASE WHEN flow.item_code IS NULL THEN cumulative.countries_cumulative END AS countries_cumulative,
       kpi_ratio(flow.bundle_n, flow.received_n) AS bundle_share,
       flow.outreach_cases, flow.remote_cases, flow.avg_trips
FROM flow, cumulative;

-- kpi_channels(d0, d1): cases received in P by channel — all six channels of §4.1 in order,
-- zeros included — with each channel's share of the cases received in P (by_channel).
CREATE OR REPLACE TEMP MACRO kpi_channels(d0, d1) AS TABLE
WITH ch(ord, channel, name_zh) AS (
    VALUES (1, 'window', '窗口'), (2, 'bundle', '打包办'), (3, 'outreach', '进园区/进社区'),
           (4, 'remote', '拍照回传'), (5, 'online', '网上办理'), (6, 'mail', '邮寄')
), n AS (
    SELECT channel, count(*) AS received
    FROM cases
    WHERE kpi_is_received(received_date, d0, d1)
    GROUP BY channel
)
SELECT ch.ord, ch.channel, ch.name_zh, coalesce(n.received, 0) AS received,
       kpi_ratio(coalesce(n.received, 0), (SELECT sum(received) FROM n)) AS share
FROM ch LEFT JOIN n USING (channel)
ORDER BY ch.ord;
