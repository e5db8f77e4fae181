//! Choice lists as enums, made by [`choices!`]: each choice's stored id and
//! the key of its translated name are written once, and the field tables,
//! the wire and the database all read them from there.

/// A list of choices as an enum: its stored ids (`IDS`), every choice
/// (`ALL`), and for each choice its id and the key of its translated name.
/// `choices!(serde …)` also makes it travel and be stored as its id.
macro_rules! choices {
    (@enum [$($derive:tt)*] $(#[$meta:meta])* $name:ident {
        $($(#[$($choice_meta:tt)*])* $choice:ident = $id:literal => $key:ident),+
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash $($derive)*)]
        pub enum $name {
            $($(#[$($choice_meta)*])* $choice),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$choice),+];
            pub const IDS: &'static [&'static str] = &[$($id),+];

            pub fn id(self) -> &'static str {
                match self {
                    $($name::$choice => $id),+
                }
            }

            pub fn from_id(id: &str) -> Option<$name> {
                match id {
                    $($id => Some($name::$choice),)+
                    _ => None,
                }
            }

            pub fn name_key(self) -> $crate::i18n::Key {
                match self {
                    $($name::$choice => $crate::i18n::Key::$key),+
                }
            }
        }
    };
    (serde $(#[$meta:meta])* $name:ident {
        $($(#[$($choice_meta:tt)*])* $choice:ident = $id:literal => $key:ident),+ $(,)?
    }) => {
        $crate::rules::choices::choices!(@enum [, ::serde::Serialize, ::serde::Deserialize] $(#[$meta])* $name {
            $($(#[$($choice_meta)*])* #[serde(rename = $id)] $choice = $id => $key),+
        });
    };
    ($(#[$meta:meta])* $name:ident {
        $($(#[$($choice_meta:tt)*])* $choice:ident = $id:literal => $key:ident),+ $(,)?
    }) => {
        $crate::rules::choices::choices!(@enum [] $(#[$meta])* $name {
            $($(#[$($choice_meta)*])* $choice = $id => $key),+
        });
    };
}
pub(crate) use choices;

#[cfg(test)]
mod tests {
    choices!(
        serde
        /// A test list that travels.
        #[derive(Default)]
        Size {
            /// The usual one.
            #[default]
            Small = "small" => CategoryFood,
            ExtraLarge = "extra_large" => CategoryOther,
        }
    );

    #[test]
    fn a_choice_list_with_serde_travels_as_its_id() {
        assert_eq!(serde_json::to_value(Size::ExtraLarge).unwrap(), "extra_large");
        assert_eq!(serde_json::from_value::<Size>("small".into()).unwrap(), Size::Small);
        assert!(serde_json::from_value::<Size>("ExtraLarge".into()).is_err());
        assert_eq!(Size::default(), Size::Small);
        assert_eq!(Size::from_id("extra_large"), Some(Size::ExtraLarge));
        assert_eq!(Size::Small.name_key(), crate::i18n::Key::CategoryFood);
        assert_eq!(Size::ALL.iter().map(|s| s.id()).collect::<Vec<_>>(), Size::IDS);
    }
}
