//! Redeeming a ticket from a [`Wallet`]: one Spend proof and no output (the
//! ticket is burnt publicly). Also the smallest transaction a wallet proves,
//! which is why the threads benchmark times it (one Spend proof alone).

use js_sys::Function;
use rand_core::OsRng;
use superzk_keys::params::CircuitKind;
use wasm_bindgen::prelude::*;

use crate::{
    error::Error,
    proving::{prove, ticket, ProvingKeys},
    wallet::Wallet,
};

#[wasm_bindgen]
impl Wallet {
    /// Redeems the ticket of `category` with the 32-byte `id` that this
    /// wallet holds: one Spend proof; the transaction names the ticket
    /// publicly and burns it. Returns the transaction's bytes.
    #[wasm_bindgen(js_name = redeemTicket)]
    pub fn redeem_ticket(
        &self,
        keys: &ProvingKeys,
        category: &str,
        id: &[u8],
        #[wasm_bindgen(js_name = onProgress, unchecked_param_type = "ProgressCallback")]
        on_progress: Option<Function>,
    ) -> Result<Vec<u8>, Error> {
        let ticket = ticket(category, id)?;
        prove(keys, &[CircuitKind::Spend], on_progress, |keys| {
            self.0.redeem(keys, &ticket, &mut OsRng)
        })
    }
}
