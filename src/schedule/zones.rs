//! Time zone inferred from an E.164 phone number.
//!
//! A longest-prefix match over calling codes, extended with area codes where a
//! country spans several zones. Those countries also carry a bare country-code entry
//! mapping to `None`, so an unknown area code yields `None` (the caller then falls
//! back to the company zone) instead of a guess that could be hours off. Only
//! prefixes whose zone is certain are listed; mobile ranges of multi-zone countries
//! are deliberately absent because they are not tied to a region.

use chrono_tz::Tz;

/// Longest prefix in [`PREFIXES`]; bounds the lookup loop.
const MAX_PREFIX_DIGITS: usize = 6;

/// (digits after `+`, zone), sorted by prefix string for binary search.
/// `None` marks a multi-zone country whose remaining prefixes are ambiguous.
#[rustfmt::skip]
static PREFIXES: &[(&str, Option<Tz>)] = &[
    ("1", None), ("1201", Some(Tz::America__New_York)), ("1202", Some(Tz::America__New_York)),
    ("1203", Some(Tz::America__New_York)), ("1204", Some(Tz::America__Winnipeg)),
    ("1205", Some(Tz::America__Chicago)), ("1206", Some(Tz::America__Los_Angeles)),
    ("1209", Some(Tz::America__Los_Angeles)), ("1210", Some(Tz::America__Chicago)),
    ("1212", Some(Tz::America__New_York)), ("1213", Some(Tz::America__Los_Angeles)),
    ("1214", Some(Tz::America__Chicago)), ("1215", Some(Tz::America__New_York)),
    ("1216", Some(Tz::America__New_York)), ("1224", Some(Tz::America__Chicago)),
    ("1225", Some(Tz::America__Chicago)), ("1242", Some(Tz::America__Nassau)),
    ("1246", Some(Tz::America__Barbados)), ("1248", Some(Tz::America__Detroit)),
    ("1253", Some(Tz::America__Los_Angeles)), ("1267", Some(Tz::America__New_York)),
    ("1281", Some(Tz::America__Chicago)), ("1301", Some(Tz::America__New_York)),
    ("1302", Some(Tz::America__New_York)), ("1303", Some(Tz::America__Denver)),
    ("1305", Some(Tz::America__New_York)), ("1306", Some(Tz::America__Regina)),
    ("1307", Some(Tz::America__Denver)), ("1310", Some(Tz::America__Los_Angeles)),
    ("1312", Some(Tz::America__Chicago)), ("1313", Some(Tz::America__Detroit)),
    ("1314", Some(Tz::America__Chicago)), ("1316", Some(Tz::America__Chicago)),
    ("1317", Some(Tz::America__Indiana__Indianapolis)), ("1323", Some(Tz::America__Los_Angeles)),
    ("1334", Some(Tz::America__Chicago)), ("1346", Some(Tz::America__Chicago)),
    ("1347", Some(Tz::America__New_York)), ("1360", Some(Tz::America__Los_Angeles)),
    ("1385", Some(Tz::America__Denver)), ("1402", Some(Tz::America__Chicago)),
    ("1403", Some(Tz::America__Edmonton)), ("1404", Some(Tz::America__New_York)),
    ("1405", Some(Tz::America__Chicago)), ("1406", Some(Tz::America__Denver)),
    ("1407", Some(Tz::America__New_York)), ("1408", Some(Tz::America__Los_Angeles)),
    ("1410", Some(Tz::America__New_York)), ("1412", Some(Tz::America__New_York)),
    ("1414", Some(Tz::America__Chicago)), ("1415", Some(Tz::America__Los_Angeles)),
    ("1416", Some(Tz::America__Toronto)), ("1424", Some(Tz::America__Los_Angeles)),
    ("1425", Some(Tz::America__Los_Angeles)), ("1431", Some(Tz::America__Winnipeg)),
    ("1437", Some(Tz::America__Toronto)), ("1438", Some(Tz::America__Toronto)),
    ("1443", Some(Tz::America__New_York)), ("1450", Some(Tz::America__Toronto)),
    ("1469", Some(Tz::America__Chicago)), ("1470", Some(Tz::America__New_York)),
    ("1480", Some(Tz::America__Phoenix)), ("1501", Some(Tz::America__Chicago)),
    ("1502", Some(Tz::America__Kentucky__Louisville)), ("1503", Some(Tz::America__Los_Angeles)),
    ("1504", Some(Tz::America__Chicago)), ("1505", Some(Tz::America__Denver)),
    ("1509", Some(Tz::America__Los_Angeles)), ("1510", Some(Tz::America__Los_Angeles)),
    ("1512", Some(Tz::America__Chicago)), ("1514", Some(Tz::America__Toronto)),
    ("1515", Some(Tz::America__Chicago)), ("1516", Some(Tz::America__New_York)),
    ("1518", Some(Tz::America__New_York)), ("1520", Some(Tz::America__Phoenix)),
    ("1530", Some(Tz::America__Los_Angeles)), ("1559", Some(Tz::America__Los_Angeles)),
    ("1561", Some(Tz::America__New_York)), ("1562", Some(Tz::America__Los_Angeles)),
    ("1585", Some(Tz::America__New_York)), ("1587", Some(Tz::America__Edmonton)),
    ("1601", Some(Tz::America__Chicago)), ("1602", Some(Tz::America__Phoenix)),
    ("1603", Some(Tz::America__New_York)), ("1604", Some(Tz::America__Vancouver)),
    ("1608", Some(Tz::America__Chicago)), ("1609", Some(Tz::America__New_York)),
    ("1610", Some(Tz::America__New_York)), ("1612", Some(Tz::America__Chicago)),
    ("1613", Some(Tz::America__Toronto)), ("1614", Some(Tz::America__New_York)),
    ("1615", Some(Tz::America__Chicago)), ("1617", Some(Tz::America__New_York)),
    ("1619", Some(Tz::America__Los_Angeles)), ("1623", Some(Tz::America__Phoenix)),
    ("1626", Some(Tz::America__Los_Angeles)), ("1628", Some(Tz::America__Los_Angeles)),
    ("1629", Some(Tz::America__Chicago)), ("1630", Some(Tz::America__Chicago)),
    ("1631", Some(Tz::America__New_York)), ("1636", Some(Tz::America__Chicago)),
    ("1639", Some(Tz::America__Regina)), ("1646", Some(Tz::America__New_York)),
    ("1647", Some(Tz::America__Toronto)), ("1650", Some(Tz::America__Los_Angeles)),
    ("1651", Some(Tz::America__Chicago)), ("1657", Some(Tz::America__Los_Angeles)),
    ("1661", Some(Tz::America__Los_Angeles)), ("1669", Some(Tz::America__Los_Angeles)),
    ("1678", Some(Tz::America__New_York)), ("1682", Some(Tz::America__Chicago)),
    ("1702", Some(Tz::America__Los_Angeles)), ("1703", Some(Tz::America__New_York)),
    ("1704", Some(Tz::America__New_York)), ("1707", Some(Tz::America__Los_Angeles)),
    ("1708", Some(Tz::America__Chicago)), ("1713", Some(Tz::America__Chicago)),
    ("1714", Some(Tz::America__Los_Angeles)), ("1716", Some(Tz::America__New_York)),
    ("1718", Some(Tz::America__New_York)), ("1719", Some(Tz::America__Denver)),
    ("1720", Some(Tz::America__Denver)), ("1725", Some(Tz::America__Los_Angeles)),
    ("1732", Some(Tz::America__New_York)), ("1734", Some(Tz::America__Detroit)),
    ("1737", Some(Tz::America__Chicago)), ("1757", Some(Tz::America__New_York)),
    ("1760", Some(Tz::America__Los_Angeles)), ("1763", Some(Tz::America__Chicago)),
    ("1770", Some(Tz::America__New_York)), ("1773", Some(Tz::America__Chicago)),
    ("1780", Some(Tz::America__Edmonton)), ("1786", Some(Tz::America__New_York)),
    ("1787", Some(Tz::America__Puerto_Rico)), ("1801", Some(Tz::America__Denver)),
    ("1804", Some(Tz::America__New_York)), ("1805", Some(Tz::America__Los_Angeles)),
    ("1808", Some(Tz::Pacific__Honolulu)), ("1809", Some(Tz::America__Santo_Domingo)),
    ("1813", Some(Tz::America__New_York)), ("1816", Some(Tz::America__Chicago)),
    ("1817", Some(Tz::America__Chicago)), ("1818", Some(Tz::America__Los_Angeles)),
    ("1825", Some(Tz::America__Edmonton)), ("1829", Some(Tz::America__Santo_Domingo)),
    ("1831", Some(Tz::America__Los_Angeles)), ("1832", Some(Tz::America__Chicago)),
    ("1847", Some(Tz::America__Chicago)), ("1849", Some(Tz::America__Santo_Domingo)),
    ("1857", Some(Tz::America__New_York)), ("1858", Some(Tz::America__Los_Angeles)),
    ("1868", Some(Tz::America__Port_of_Spain)), ("1872", Some(Tz::America__Chicago)),
    ("1876", Some(Tz::America__Jamaica)), ("1901", Some(Tz::America__Chicago)),
    ("1902", Some(Tz::America__Halifax)), ("1904", Some(Tz::America__New_York)),
    ("1905", Some(Tz::America__Toronto)), ("1907", Some(Tz::America__Anchorage)),
    ("1908", Some(Tz::America__New_York)), ("1909", Some(Tz::America__Los_Angeles)),
    ("1913", Some(Tz::America__Chicago)), ("1914", Some(Tz::America__New_York)),
    ("1915", Some(Tz::America__Denver)), ("1916", Some(Tz::America__Los_Angeles)),
    ("1917", Some(Tz::America__New_York)), ("1918", Some(Tz::America__Chicago)),
    ("1919", Some(Tz::America__New_York)), ("1925", Some(Tz::America__Los_Angeles)),
    ("1939", Some(Tz::America__Puerto_Rico)), ("1949", Some(Tz::America__Los_Angeles)),
    ("1951", Some(Tz::America__Los_Angeles)), ("1952", Some(Tz::America__Chicago)),
    ("1954", Some(Tz::America__New_York)), ("1971", Some(Tz::America__Los_Angeles)),
    ("1972", Some(Tz::America__Chicago)), ("1973", Some(Tz::America__New_York)),
    ("20", Some(Tz::Africa__Cairo)), ("211", Some(Tz::Africa__Juba)),
    ("212", Some(Tz::Africa__Casablanca)), ("213", Some(Tz::Africa__Algiers)),
    ("216", Some(Tz::Africa__Tunis)), ("218", Some(Tz::Africa__Tripoli)),
    ("220", Some(Tz::Africa__Banjul)), ("221", Some(Tz::Africa__Dakar)),
    ("222", Some(Tz::Africa__Nouakchott)), ("223", Some(Tz::Africa__Bamako)),
    ("224", Some(Tz::Africa__Conakry)), ("225", Some(Tz::Africa__Abidjan)),
    ("226", Some(Tz::Africa__Ouagadougou)), ("227", Some(Tz::Africa__Niamey)),
    ("228", Some(Tz::Africa__Lome)), ("229", Some(Tz::Africa__PortoNovo)),
    ("230", Some(Tz::Indian__Mauritius)), ("231", Some(Tz::Africa__Monrovia)),
    ("232", Some(Tz::Africa__Freetown)), ("233", Some(Tz::Africa__Accra)),
    ("234", Some(Tz::Africa__Lagos)), ("235", Some(Tz::Africa__Ndjamena)),
    ("236", Some(Tz::Africa__Bangui)), ("237", Some(Tz::Africa__Douala)),
    ("238", Some(Tz::Atlantic__Cape_Verde)), ("241", Some(Tz::Africa__Libreville)),
    ("242", Some(Tz::Africa__Brazzaville)), ("244", Some(Tz::Africa__Luanda)),
    ("245", Some(Tz::Africa__Bissau)), ("248", Some(Tz::Indian__Mahe)),
    ("249", Some(Tz::Africa__Khartoum)), ("250", Some(Tz::Africa__Kigali)),
    ("251", Some(Tz::Africa__Addis_Ababa)), ("252", Some(Tz::Africa__Mogadishu)),
    ("253", Some(Tz::Africa__Djibouti)), ("254", Some(Tz::Africa__Nairobi)),
    ("255", Some(Tz::Africa__Dar_es_Salaam)), ("256", Some(Tz::Africa__Kampala)),
    ("257", Some(Tz::Africa__Bujumbura)), ("258", Some(Tz::Africa__Maputo)),
    ("260", Some(Tz::Africa__Lusaka)), ("261", Some(Tz::Indian__Antananarivo)),
    ("263", Some(Tz::Africa__Harare)), ("264", Some(Tz::Africa__Windhoek)),
    ("265", Some(Tz::Africa__Blantyre)), ("266", Some(Tz::Africa__Maseru)),
    ("267", Some(Tz::Africa__Gaborone)), ("268", Some(Tz::Africa__Mbabane)),
    ("27", Some(Tz::Africa__Johannesburg)), ("291", Some(Tz::Africa__Asmara)),
    ("298", Some(Tz::Atlantic__Faroe)), ("30", Some(Tz::Europe__Athens)),
    ("31", Some(Tz::Europe__Amsterdam)), ("32", Some(Tz::Europe__Brussels)),
    ("33", Some(Tz::Europe__Paris)), ("34", None), ("3491", Some(Tz::Europe__Madrid)),
    ("34920", Some(Tz::Europe__Madrid)), ("34921", Some(Tz::Europe__Madrid)),
    ("34922", Some(Tz::Atlantic__Canary)), ("34923", Some(Tz::Europe__Madrid)),
    ("34924", Some(Tz::Europe__Madrid)), ("34925", Some(Tz::Europe__Madrid)),
    ("34926", Some(Tz::Europe__Madrid)), ("34927", Some(Tz::Europe__Madrid)),
    ("34928", Some(Tz::Atlantic__Canary)), ("3493", Some(Tz::Europe__Madrid)),
    ("3494", Some(Tz::Europe__Madrid)), ("3495", Some(Tz::Europe__Madrid)),
    ("3496", Some(Tz::Europe__Madrid)), ("3497", Some(Tz::Europe__Madrid)),
    ("3498", Some(Tz::Europe__Madrid)), ("350", Some(Tz::Europe__Gibraltar)), ("351", None),
    ("35121", Some(Tz::Europe__Lisbon)), ("35122", Some(Tz::Europe__Lisbon)),
    ("35123", Some(Tz::Europe__Lisbon)), ("35124", Some(Tz::Europe__Lisbon)),
    ("35125", Some(Tz::Europe__Lisbon)), ("35126", Some(Tz::Europe__Lisbon)),
    ("35127", Some(Tz::Europe__Lisbon)), ("35128", Some(Tz::Europe__Lisbon)),
    ("351291", Some(Tz::Atlantic__Madeira)), ("351292", Some(Tz::Atlantic__Azores)),
    ("351295", Some(Tz::Atlantic__Azores)), ("351296", Some(Tz::Atlantic__Azores)),
    ("352", Some(Tz::Europe__Luxembourg)), ("353", Some(Tz::Europe__Dublin)),
    ("354", Some(Tz::Atlantic__Reykjavik)), ("355", Some(Tz::Europe__Tirane)),
    ("356", Some(Tz::Europe__Malta)), ("357", Some(Tz::Asia__Nicosia)),
    ("358", Some(Tz::Europe__Helsinki)), ("359", Some(Tz::Europe__Sofia)),
    ("36", Some(Tz::Europe__Budapest)), ("370", Some(Tz::Europe__Vilnius)),
    ("371", Some(Tz::Europe__Riga)), ("372", Some(Tz::Europe__Tallinn)),
    ("373", Some(Tz::Europe__Chisinau)), ("374", Some(Tz::Asia__Yerevan)),
    ("375", Some(Tz::Europe__Minsk)), ("376", Some(Tz::Europe__Andorra)),
    ("377", Some(Tz::Europe__Monaco)), ("378", Some(Tz::Europe__San_Marino)),
    ("380", Some(Tz::Europe__Kyiv)), ("381", Some(Tz::Europe__Belgrade)),
    ("382", Some(Tz::Europe__Podgorica)), ("383", Some(Tz::Europe__Belgrade)),
    ("385", Some(Tz::Europe__Zagreb)), ("386", Some(Tz::Europe__Ljubljana)),
    ("387", Some(Tz::Europe__Sarajevo)), ("389", Some(Tz::Europe__Skopje)),
    ("39", Some(Tz::Europe__Rome)), ("40", Some(Tz::Europe__Bucharest)),
    ("41", Some(Tz::Europe__Zurich)), ("420", Some(Tz::Europe__Prague)),
    ("421", Some(Tz::Europe__Bratislava)), ("423", Some(Tz::Europe__Vaduz)),
    ("43", Some(Tz::Europe__Vienna)), ("44", Some(Tz::Europe__London)),
    ("45", Some(Tz::Europe__Copenhagen)), ("46", Some(Tz::Europe__Stockholm)),
    ("47", Some(Tz::Europe__Oslo)), ("48", Some(Tz::Europe__Warsaw)),
    ("49", Some(Tz::Europe__Berlin)), ("501", Some(Tz::America__Belize)),
    ("502", Some(Tz::America__Guatemala)), ("503", Some(Tz::America__El_Salvador)),
    ("504", Some(Tz::America__Tegucigalpa)), ("505", Some(Tz::America__Managua)),
    ("506", Some(Tz::America__Costa_Rica)), ("507", Some(Tz::America__Panama)),
    ("509", Some(Tz::America__PortauPrince)), ("51", Some(Tz::America__Lima)), ("52", None),
    ("52222", Some(Tz::America__Mexico_City)), ("5233", Some(Tz::America__Mexico_City)),
    ("52442", Some(Tz::America__Mexico_City)), ("52477", Some(Tz::America__Mexico_City)),
    ("5255", Some(Tz::America__Mexico_City)), ("52614", Some(Tz::America__Chihuahua)),
    ("52662", Some(Tz::America__Hermosillo)), ("52664", Some(Tz::America__Tijuana)),
    ("52667", Some(Tz::America__Mazatlan)), ("52669", Some(Tz::America__Mazatlan)),
    ("52686", Some(Tz::America__Tijuana)), ("5281", Some(Tz::America__Monterrey)),
    ("52998", Some(Tz::America__Cancun)), ("53", Some(Tz::America__Havana)),
    ("54", Some(Tz::America__Argentina__Buenos_Aires)), ("55", None),
    ("5511", Some(Tz::America__Sao_Paulo)), ("5512", Some(Tz::America__Sao_Paulo)),
    ("5513", Some(Tz::America__Sao_Paulo)), ("5514", Some(Tz::America__Sao_Paulo)),
    ("5515", Some(Tz::America__Sao_Paulo)), ("5516", Some(Tz::America__Sao_Paulo)),
    ("5517", Some(Tz::America__Sao_Paulo)), ("5518", Some(Tz::America__Sao_Paulo)),
    ("5519", Some(Tz::America__Sao_Paulo)), ("5521", Some(Tz::America__Sao_Paulo)),
    ("5527", Some(Tz::America__Sao_Paulo)), ("5531", Some(Tz::America__Sao_Paulo)),
    ("5541", Some(Tz::America__Sao_Paulo)), ("5547", Some(Tz::America__Sao_Paulo)),
    ("5548", Some(Tz::America__Sao_Paulo)), ("5551", Some(Tz::America__Sao_Paulo)),
    ("5561", Some(Tz::America__Sao_Paulo)), ("5562", Some(Tz::America__Sao_Paulo)),
    ("5565", Some(Tz::America__Cuiaba)), ("5567", Some(Tz::America__Campo_Grande)),
    ("5568", Some(Tz::America__Rio_Branco)), ("5569", Some(Tz::America__Porto_Velho)),
    ("5571", Some(Tz::America__Bahia)), ("5581", Some(Tz::America__Recife)),
    ("5585", Some(Tz::America__Fortaleza)), ("5591", Some(Tz::America__Belem)),
    ("5592", Some(Tz::America__Manaus)), ("5595", Some(Tz::America__Boa_Vista)), ("56", None),
    ("562", Some(Tz::America__Santiago)), ("57", Some(Tz::America__Bogota)),
    ("58", Some(Tz::America__Caracas)), ("591", Some(Tz::America__La_Paz)), ("593", None),
    ("5932", Some(Tz::America__Guayaquil)), ("5934", Some(Tz::America__Guayaquil)),
    ("595", Some(Tz::America__Asuncion)), ("598", Some(Tz::America__Montevideo)),
    ("60", Some(Tz::Asia__Kuala_Lumpur)), ("61", None), ("612", Some(Tz::Australia__Sydney)),
    ("613", Some(Tz::Australia__Melbourne)), ("617", Some(Tz::Australia__Brisbane)),
    ("6188", Some(Tz::Australia__Adelaide)), ("61889", Some(Tz::Australia__Darwin)),
    ("6189", Some(Tz::Australia__Perth)), ("62", None), ("6221", Some(Tz::Asia__Jakarta)),
    ("6222", Some(Tz::Asia__Jakarta)), ("6224", Some(Tz::Asia__Jakarta)),
    ("6231", Some(Tz::Asia__Jakarta)), ("62361", Some(Tz::Asia__Makassar)),
    ("62411", Some(Tz::Asia__Makassar)), ("6261", Some(Tz::Asia__Jakarta)),
    ("62967", Some(Tz::Asia__Jayapura)), ("63", Some(Tz::Asia__Manila)),
    ("64", Some(Tz::Pacific__Auckland)), ("643305", Some(Tz::Pacific__Chatham)),
    ("65", Some(Tz::Asia__Singapore)), ("66", Some(Tz::Asia__Bangkok)),
    ("670", Some(Tz::Asia__Dili)), ("673", Some(Tz::Asia__Brunei)),
    ("676", Some(Tz::Pacific__Tongatapu)), ("679", Some(Tz::Pacific__Fiji)),
    ("685", Some(Tz::Pacific__Apia)), ("7", None), ("73412", Some(Tz::Europe__Samara)),
    ("7342", Some(Tz::Asia__Yekaterinburg)), ("7343", Some(Tz::Asia__Yekaterinburg)),
    ("73452", Some(Tz::Asia__Yekaterinburg)), ("7347", Some(Tz::Asia__Yekaterinburg)),
    ("7351", Some(Tz::Asia__Yekaterinburg)), ("7381", Some(Tz::Asia__Omsk)),
    ("7383", Some(Tz::Asia__Novosibirsk)), ("7391", Some(Tz::Asia__Krasnoyarsk)),
    ("7395", Some(Tz::Asia__Irkutsk)), ("74012", Some(Tz::Europe__Kaliningrad)),
    ("7421", Some(Tz::Asia__Vladivostok)), ("7423", Some(Tz::Asia__Vladivostok)),
    ("7495", Some(Tz::Europe__Moscow)), ("7499", Some(Tz::Europe__Moscow)),
    ("77", Some(Tz::Asia__Almaty)), ("7812", Some(Tz::Europe__Moscow)),
    ("7831", Some(Tz::Europe__Moscow)), ("7843", Some(Tz::Europe__Moscow)),
    ("78442", Some(Tz::Europe__Volgograd)), ("7846", Some(Tz::Europe__Samara)),
    ("7861", Some(Tz::Europe__Moscow)), ("7863", Some(Tz::Europe__Moscow)),
    ("81", Some(Tz::Asia__Tokyo)), ("82", Some(Tz::Asia__Seoul)),
    ("84", Some(Tz::Asia__Ho_Chi_Minh)), ("850", Some(Tz::Asia__Pyongyang)),
    ("852", Some(Tz::Asia__Hong_Kong)), ("853", Some(Tz::Asia__Macau)),
    ("855", Some(Tz::Asia__Phnom_Penh)), ("856", Some(Tz::Asia__Vientiane)),
    ("86", Some(Tz::Asia__Shanghai)), ("880", Some(Tz::Asia__Dhaka)),
    ("886", Some(Tz::Asia__Taipei)), ("90", Some(Tz::Europe__Istanbul)),
    ("91", Some(Tz::Asia__Kolkata)), ("92", Some(Tz::Asia__Karachi)), ("93", Some(Tz::Asia__Kabul)),
    ("94", Some(Tz::Asia__Colombo)), ("95", Some(Tz::Asia__Yangon)),
    ("960", Some(Tz::Indian__Maldives)), ("961", Some(Tz::Asia__Beirut)),
    ("962", Some(Tz::Asia__Amman)), ("963", Some(Tz::Asia__Damascus)),
    ("964", Some(Tz::Asia__Baghdad)), ("965", Some(Tz::Asia__Kuwait)),
    ("966", Some(Tz::Asia__Riyadh)), ("967", Some(Tz::Asia__Aden)), ("968", Some(Tz::Asia__Muscat)),
    ("971", Some(Tz::Asia__Dubai)), ("972", Some(Tz::Asia__Jerusalem)),
    ("973", Some(Tz::Asia__Bahrain)), ("974", Some(Tz::Asia__Qatar)),
    ("975", Some(Tz::Asia__Thimphu)), ("977", Some(Tz::Asia__Kathmandu)),
    ("98", Some(Tz::Asia__Tehran)), ("992", Some(Tz::Asia__Dushanbe)),
    ("993", Some(Tz::Asia__Ashgabat)), ("994", Some(Tz::Asia__Baku)),
    ("995", Some(Tz::Asia__Tbilisi)), ("996", Some(Tz::Asia__Bishkek)),
    ("998", Some(Tz::Asia__Tashkent)),
];

/// Time zone inferred from an E.164 number ("+37061234567"): longest-prefix match over a table of
/// calling-code (+ area-code where a country spans several zones) prefixes. None when the country spans
/// several zones and the area code is not in the table (caller then falls back to the company zone).
///
/// Spaces, dashes, dots and parentheses are ignored; anything else that is not a
/// digit, a missing leading `+`, or a length outside 4..=15 digits gives `None`.
pub fn zone_for_e164(e164: &str) -> Option<Tz> {
    let mut digits = String::with_capacity(16);
    let rest = e164.trim().strip_prefix('+')?;
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    if !(4..=15).contains(&digits.len()) {
        return None;
    }
    (1..=digits.len().min(MAX_PREFIX_DIGITS))
        .rev()
        .find_map(|len| {
            let prefix = &digits[..len];
            PREFIXES
                .binary_search_by(|(p, _)| (*p).cmp(prefix))
                .ok()
                .map(|i| PREFIXES[i].1)
        })
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Asia, Australia, Europe, Pacific};

    #[test]
    fn table_is_sorted_unique_and_within_bounds() {
        for pair in PREFIXES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        for (p, _) in PREFIXES {
            assert!(!p.is_empty() && p.len() <= MAX_PREFIX_DIGITS);
            assert!(p.bytes().all(|b| b.is_ascii_digit()), "{p}");
        }
    }

    #[test]
    fn single_zone_countries() {
        assert_eq!(zone_for_e164("+37061234567"), Some(Europe::Vilnius));
        assert_eq!(zone_for_e164("+371 2123 4567"), Some(Europe::Riga));
        assert_eq!(zone_for_e164("+380441234567"), Some(Europe::Kyiv));
        assert_eq!(zone_for_e164("+44 20 7946 0958"), Some(Europe::London));
        assert_eq!(zone_for_e164("+919812345678"), Some(Asia::Kolkata));
        assert_eq!(zone_for_e164("+81-3-1234-5678"), Some(Asia::Tokyo));
        assert_eq!(zone_for_e164("+972501234567"), Some(Asia::Jerusalem));
    }

    #[test]
    fn multi_zone_countries_use_area_codes() {
        assert_eq!(zone_for_e164("+1 (212) 555-0100"), Some(America::New_York));
        assert_eq!(zone_for_e164("+13125550100"), Some(America::Chicago));
        assert_eq!(zone_for_e164("+16025550100"), Some(America::Phoenix));
        assert_eq!(zone_for_e164("+18085550100"), Some(Pacific::Honolulu));
        assert_eq!(zone_for_e164("+74951234567"), Some(Europe::Moscow));
        assert_eq!(zone_for_e164("+74012123456"), Some(Europe::Kaliningrad));
        assert_eq!(zone_for_e164("+77011234567"), Some(Asia::Almaty));
        assert_eq!(zone_for_e164("+61 8 8123 4567"), Some(Australia::Adelaide));
        assert_eq!(zone_for_e164("+61 8 8981 2345"), Some(Australia::Darwin));
        assert_eq!(zone_for_e164("+61 8 9123 4567"), Some(Australia::Perth));
        assert_eq!(zone_for_e164("+64 3 305 0000"), Some(Pacific::Chatham));
        assert_eq!(zone_for_e164("+64 9 300 0000"), Some(Pacific::Auckland));
    }

    #[test]
    fn unknown_area_codes_and_garbage_give_none() {
        assert_eq!(
            zone_for_e164("+19995550100"),
            None,
            "unknown NANP area code"
        );
        assert_eq!(zone_for_e164("+79161234567"), None, "Russian mobile");
        assert_eq!(zone_for_e164("+61412345678"), None, "Australian mobile");
        assert_eq!(zone_for_e164("+9761234567"), None, "country not in table");
        assert_eq!(zone_for_e164("37061234567"), None, "missing +");
        assert_eq!(zone_for_e164("+370abc"), None);
        assert_eq!(zone_for_e164("+"), None);
        assert_eq!(zone_for_e164(""), None);
    }
}
