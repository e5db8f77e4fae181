use serde::{Deserialize, Serialize};

use crate::i18n::Key;

/// The districts (and the capital) of the Republic of Karakalpakstan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum District {
    Amudarya,
    Beruniy,
    Bozatau,
    Chimbay,
    Ellikqala,
    Kanlikol,
    Karauzyak,
    Kegeyli,
    Khojeyli,
    Kungrad,
    Moynaq,
    Nukus,
    NukusCity,
    Shumanay,
    Takhiatash,
    Takhtakupir,
    Turtkul,
}

impl District {
    pub const ALL: [District; 17] = [
        District::Amudarya,
        District::Beruniy,
        District::Bozatau,
        District::Chimbay,
        District::Ellikqala,
        District::Kanlikol,
        District::Karauzyak,
        District::Kegeyli,
        District::Khojeyli,
        District::Kungrad,
        District::Moynaq,
        District::Nukus,
        District::NukusCity,
        District::Shumanay,
        District::Takhiatash,
        District::Takhtakupir,
        District::Turtkul,
    ];

    /// The id stored in the database and used in the API.
    pub fn id(self) -> &'static str {
        match self {
            District::Amudarya => "amudarya",
            District::Beruniy => "beruniy",
            District::Bozatau => "bozatau",
            District::Chimbay => "chimbay",
            District::Ellikqala => "ellikqala",
            District::Kanlikol => "kanlikol",
            District::Karauzyak => "karauzyak",
            District::Kegeyli => "kegeyli",
            District::Khojeyli => "khojeyli",
            District::Kungrad => "kungrad",
            District::Moynaq => "moynaq",
            District::Nukus => "nukus",
            District::NukusCity => "nukus_city",
            District::Shumanay => "shumanay",
            District::Takhiatash => "takhiatash",
            District::Takhtakupir => "takhtakupir",
            District::Turtkul => "turtkul",
        }
    }

    pub fn from_id(id: &str) -> Option<District> {
        District::ALL.into_iter().find(|district| district.id() == id)
    }

    /// The district's name in the translation files.
    pub fn name_key(self) -> Key {
        match self {
            District::Amudarya => Key::DistrictAmudarya,
            District::Beruniy => Key::DistrictBeruniy,
            District::Bozatau => Key::DistrictBozatau,
            District::Chimbay => Key::DistrictChimbay,
            District::Ellikqala => Key::DistrictEllikqala,
            District::Kanlikol => Key::DistrictKanlikol,
            District::Karauzyak => Key::DistrictKarauzyak,
            District::Kegeyli => Key::DistrictKegeyli,
            District::Khojeyli => Key::DistrictKhojeyli,
            District::Kungrad => Key::DistrictKungrad,
            District::Moynaq => Key::DistrictMoynaq,
            District::Nukus => Key::DistrictNukus,
            District::NukusCity => Key::DistrictNukusCity,
            District::Shumanay => Key::DistrictShumanay,
            District::Takhiatash => Key::DistrictTakhiatash,
            District::Takhtakupir => Key::DistrictTakhtakupir,
            District::Turtkul => Key::DistrictTurtkul,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_unique() {
        for district in District::ALL {
            assert_eq!(District::from_id(district.id()), Some(district));
        }
        assert_eq!(District::from_id("tashkent"), None);
    }
}
