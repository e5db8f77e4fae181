//! Pages loaded on demand: their code is split out of the main wasm (`cargo leptos
//! build --split`), so a buyer opening the home page does not download the forms
//! of sign-up, the coordinators' desk or the studio and its sync.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::pages::{
    AccountPage, CoordinatorsPage, EntrepreneursPage, InvitationsPage, ResetPasswordPage, SignInPage, SignUpPage,
};
use crate::studio::StudioPage;

macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(Studio, StudioPage);
lazy_page!(SignIn, SignInPage);
lazy_page!(SignUp, SignUpPage);
lazy_page!(ResetPassword, ResetPasswordPage);
lazy_page!(Account, AccountPage);
lazy_page!(Invitations, InvitationsPage);
lazy_page!(Entrepreneurs, EntrepreneursPage);
lazy_page!(Coordinators, CoordinatorsPage);
