//! Small helpers that build plain JS values (objects, progress calls).

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsValue;

/// A plain object `{ key: value, … }`.
pub(crate) fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (key, value) in fields {
        // Defining a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&obj, &JsValue::from_str(key), value);
    }
    obj.into()
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Calls `on_progress(stage, step, total)` if given. An exception thrown by
/// the callback is ignored: progress is advisory and must not abort proving.
pub(crate) fn progress(on_progress: Option<&Function>, stage: &str, step: u32, total: u32) {
    if let Some(f) = on_progress {
        let _ = f.call3(
            &JsValue::NULL,
            &JsValue::from_str(stage),
            &JsValue::from(step),
            &JsValue::from(total),
        );
    }
}
