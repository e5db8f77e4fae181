use crate::rules::choices::choices;

choices!(
    serde
    /// The districts (and the capital) of the Republic of Karakalpakstan.
    District {
        Amudarya = "amudarya" => DistrictAmudarya,
        Beruniy = "beruniy" => DistrictBeruniy,
        Bozatau = "bozatau" => DistrictBozatau,
        Chimbay = "chimbay" => DistrictChimbay,
        Ellikqala = "ellikqala" => DistrictEllikqala,
        Kanlikol = "kanlikol" => DistrictKanlikol,
        Karauzyak = "karauzyak" => DistrictKarauzyak,
        Kegeyli = "kegeyli" => DistrictKegeyli,
        Khojeyli = "khojeyli" => DistrictKhojeyli,
        Kungrad = "kungrad" => DistrictKungrad,
        Moynaq = "moynaq" => DistrictMoynaq,
        Nukus = "nukus" => DistrictNukus,
        NukusCity = "nukus_city" => DistrictNukusCity,
        Shumanay = "shumanay" => DistrictShumanay,
        Takhiatash = "takhiatash" => DistrictTakhiatash,
        Takhtakupir = "takhtakupir" => DistrictTakhtakupir,
        Turtkul = "turtkul" => DistrictTurtkul,
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_unique() {
        for district in District::ALL {
            assert_eq!(District::from_id(district.id()), Some(*district));
        }
        assert_eq!(District::from_id("tashkent"), None);
    }
}
