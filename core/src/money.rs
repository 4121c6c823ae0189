//! Amounts for people: each currency's ISO 4217 minor-unit exponent and the written form of a
//! [`Money`] in the languages the messages use.
//!
//! A [`Money`] counts minor units; how many of them make one unit depends on the currency
//! (100 cents in a euro, no minor unit in a yen, 1,000 fils in a Kuwaiti dinar). The
//! exponent comes from [`Currency::minor_unit_exponent`]; [`format_money`] writes the amount
//! with exactly that many decimals, in one fixed convention per [`Locale`]:
//!
//! | locale | EUR 2500 | JPY 1500 | KWD 25000 | negative |
//! |---|---|---|---|---|
//! | [`Locale::Fr`] | `25,00 €` | `1 500 JPY` | `25,000 KWD` | `-25,00 €` |
//! | [`Locale::En`] | `€25.00` | `JPY 1,500` | `KWD 25.000` | `-€25.00` |
//!
//! French: a decimal comma, thousands grouped by a narrow no-break space (U+202F), and a
//! no-break space (U+00A0) before the symbol or code, which follows the amount. English: a
//! decimal point, thousands grouped by commas, the symbol glued before the amount or the code
//! before it with a no-break space. Both write a minus sign as `-` before everything else.
//! Only the euro is written with a symbol (`€`): it names one currency in every language,
//! whereas `$`, `£` or `¥` name several; every other currency is written with its ISO code.

use crate::model::{Currency, Money};

impl Currency {
    /// The currency's ISO 4217 minor-unit exponent: how many decimals its amounts have
    /// (`2` for EUR, `0` for JPY, `3` for KWD, `4` for CLF).
    ///
    /// Codes that ISO 4217 gives another exponent than 2 are listed here; every other code,
    /// including unknown ones and those ISO 4217 gives no minor unit (precious metals, XDR,
    /// XXX…), has 2, the most common.
    ///
    /// ```
    /// use rdv_core::model::Currency;
    /// assert_eq!(Currency::parse("JPY").unwrap().minor_unit_exponent(), 0);
    /// assert_eq!(Currency::parse("KWD").unwrap().minor_unit_exponent(), 3);
    /// assert_eq!(Currency::parse("EUR").unwrap().minor_unit_exponent(), 2);
    /// ```
    pub fn minor_unit_exponent(&self) -> u8 {
        match self.as_str() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            "CLF" | "UYW" => 4,
            _ => 2,
        }
    }
}

/// A language in which amounts are written (see the [module](self) for each convention).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Locale {
    /// French: `1 500,00 €`.
    Fr,
    /// English: `€1,500.00`.
    En,
}

impl Locale {
    /// The locale of a language tag such as `fr`, `fr-FR` or `en_GB` (its language part, in
    /// any case); `None` for another language.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let language = tag.split(['-', '_']).next().unwrap_or("");
        if language.eq_ignore_ascii_case("fr") {
            Some(Locale::Fr)
        } else if language.eq_ignore_ascii_case("en") {
            Some(Locale::En)
        } else {
            None
        }
    }
}

/// Writes an amount with as many decimals as its currency has (its ISO 4217 exponent), in the
/// convention of `locale` (see the [module](self)).
///
/// ```
/// use rdv_core::model::{Currency, Money};
/// use rdv_core::money::{Locale, format_money};
/// let eur = Money::new(2500, Currency::parse("EUR").unwrap());
/// assert_eq!(format_money(&eur, Locale::Fr), "25,00\u{a0}€");
/// assert_eq!(format_money(&eur, Locale::En), "€25.00");
/// let jpy = Money::new(1500, Currency::parse("JPY").unwrap());
/// assert_eq!(format_money(&jpy, Locale::En), "JPY\u{a0}1,500");
/// ```
pub fn format_money(money: &Money, locale: Locale) -> String {
    let exponent = money.currency.minor_unit_exponent();
    let scale = 10_u64.pow(u32::from(exponent));
    let magnitude = money.amount_minor.unsigned_abs();
    let (group, decimal) = match locale {
        Locale::Fr => ('\u{202f}', ','),
        Locale::En => (',', '.'),
    };
    let mut number = grouped(magnitude / scale, group);
    if exponent > 0 {
        number.push(decimal);
        number.push_str(&format!(
            "{:0width$}",
            magnitude % scale,
            width = usize::from(exponent)
        ));
    }
    let sign = if money.amount_minor < 0 { "-" } else { "" };
    let code = money.currency.as_str();
    let symbol = (code == "EUR").then_some("€");
    match (locale, symbol) {
        (Locale::Fr, Some(symbol)) => format!("{sign}{number}\u{a0}{symbol}"),
        (Locale::Fr, None) => format!("{sign}{number}\u{a0}{code}"),
        (Locale::En, Some(symbol)) => format!("{sign}{symbol}{number}"),
        (Locale::En, None) => format!("{sign}{code}\u{a0}{number}"),
    }
}

/// The digits of `units` with `separator` between each group of three, from the right.
fn grouped(units: u64, separator: char) -> String {
    let digits = units.to_string();
    let mut out = String::with_capacity(digits.len() * 2);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const NBSP: char = '\u{a0}';
    const NNBSP: char = '\u{202f}';

    fn money(amount_minor: i64, code: &str) -> Money {
        Money::new(amount_minor, Currency::parse(code).unwrap())
    }

    /// The written form with the no-break spaces made visible: `_` for U+00A0, `^` for U+202F.
    fn shown(amount_minor: i64, code: &str, locale: Locale) -> String {
        format_money(&money(amount_minor, code), locale)
            .replace(NBSP, "_")
            .replace(NNBSP, "^")
    }

    #[test]
    fn exponents_follow_iso_4217() {
        for (code, exponent) in [
            ("EUR", 2),
            ("USD", 2),
            ("GBP", 2),
            ("JPY", 0),
            ("KRW", 0),
            ("XOF", 0),
            ("ISK", 0),
            ("KWD", 3),
            ("BHD", 3),
            ("TND", 3),
            ("CLF", 4),
            ("UYW", 4),
            ("XXX", 2),
        ] {
            assert_eq!(
                Currency::parse(code).unwrap().minor_unit_exponent(),
                exponent,
                "{code}"
            );
        }
    }

    #[test]
    fn euros_have_two_decimals_in_both_locales() {
        assert_eq!(shown(2500, "EUR", Locale::Fr), "25,00_€");
        assert_eq!(shown(2500, "EUR", Locale::En), "€25.00");
        assert_eq!(shown(5, "EUR", Locale::Fr), "0,05_€");
        assert_eq!(shown(5, "EUR", Locale::En), "€0.05");
        assert_eq!(shown(0, "EUR", Locale::Fr), "0,00_€");
        assert_eq!(shown(0, "EUR", Locale::En), "€0.00");
        assert_eq!(shown(-2500, "EUR", Locale::Fr), "-25,00_€");
        assert_eq!(shown(-2500, "EUR", Locale::En), "-€25.00");
        assert_eq!(shown(100_000_000, "EUR", Locale::Fr), "1^000^000,00_€");
        assert_eq!(shown(100_000_000, "EUR", Locale::En), "€1,000,000.00");
    }

    #[test]
    fn yens_have_no_decimals_in_both_locales() {
        assert_eq!(shown(1500, "JPY", Locale::Fr), "1^500_JPY");
        assert_eq!(shown(1500, "JPY", Locale::En), "JPY_1,500");
        assert_eq!(shown(999, "JPY", Locale::Fr), "999_JPY");
        assert_eq!(shown(999, "JPY", Locale::En), "JPY_999");
        assert_eq!(shown(0, "JPY", Locale::Fr), "0_JPY");
        assert_eq!(shown(0, "JPY", Locale::En), "JPY_0");
        assert_eq!(shown(-1500, "JPY", Locale::Fr), "-1^500_JPY");
        assert_eq!(shown(-1500, "JPY", Locale::En), "-JPY_1,500");
    }

    #[test]
    fn kuwaiti_dinars_have_three_decimals_in_both_locales() {
        assert_eq!(shown(25_000, "KWD", Locale::Fr), "25,000_KWD");
        assert_eq!(shown(25_000, "KWD", Locale::En), "KWD_25.000");
        assert_eq!(shown(1_234_567, "KWD", Locale::Fr), "1^234,567_KWD");
        assert_eq!(shown(1_234_567, "KWD", Locale::En), "KWD_1,234.567");
        assert_eq!(shown(7, "KWD", Locale::Fr), "0,007_KWD");
        assert_eq!(shown(0, "KWD", Locale::En), "KWD_0.000");
        assert_eq!(shown(-25_000, "KWD", Locale::Fr), "-25,000_KWD");
        assert_eq!(shown(-25_000, "KWD", Locale::En), "-KWD_25.000");
    }

    #[test]
    fn four_decimal_currencies_and_the_extremes_are_written_whole() {
        assert_eq!(shown(12_345, "CLF", Locale::En), "CLF_1.2345");
        assert_eq!(
            shown(i64::MIN, "EUR", Locale::En),
            "-€92,233,720,368,547,758.08"
        );
        assert_eq!(
            shown(i64::MAX, "JPY", Locale::Fr),
            "9^223^372^036^854^775^807_JPY"
        );
    }

    #[test]
    fn locales_are_read_from_language_tags() {
        assert_eq!(Locale::from_tag("fr"), Some(Locale::Fr));
        assert_eq!(Locale::from_tag("fr-FR"), Some(Locale::Fr));
        assert_eq!(Locale::from_tag("EN_gb"), Some(Locale::En));
        assert_eq!(Locale::from_tag("de"), None);
        assert_eq!(Locale::from_tag(""), None);
    }

    proptest! {
        /// Invariant: the written amount, with its separators and currency taken away, is the
        /// amount in minor units with exactly the currency's number of decimals.
        #[test]
        fn the_written_amount_reads_back_to_the_minor_units(
            amount in any::<i64>(),
            code in prop::sample::select(vec!["EUR", "JPY", "KWD", "CLF", "USD"]),
            french in any::<bool>(),
        ) {
            let locale = if french { Locale::Fr } else { Locale::En };
            let written = format_money(&money(amount, code), locale);
            let (group, decimal) = if french { (NNBSP, ',') } else { (',', '.') };
            let number: String = written
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == decimal || *c == '-')
                .collect();
            prop_assert_eq!(number.starts_with('-'), amount < 0);
            let decimals = number.split_once(decimal).map_or(0, |(_, d)| d.len());
            let exponent = Currency::parse(code).unwrap().minor_unit_exponent();
            prop_assert_eq!(decimals, usize::from(exponent));
            let digits: String = number.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(digits.parse::<u64>().unwrap(), amount.unsigned_abs());
            let integer = written
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == group || *c == decimal)
                .collect::<String>();
            let integer = integer.split(decimal).next().unwrap_or("");
            for (i, part) in integer.split(group).enumerate() {
                let full = if i == 0 { (1..=3).contains(&part.len()) } else { part.len() == 3 };
                prop_assert!(full, "group {} of {}", i, written);
            }
        }
    }
}
