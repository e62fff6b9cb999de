//! Per-environment references to built-ins the converter needs
//! (`Object.prototype`, `Object.keys`, `Map`, ...), kept as N-API instance
//! data so that each call fetches only what it uses, with one cheap call.
//! Every JavaScript environment (main thread, each worker) has its own.

use std::ffi::c_void;
use std::ptr;

use napi::sys;

use crate::js::{Js, Raw, R};

#[derive(Clone, Copy)]
pub enum Builtin {
    ObjectPrototype,
    ObjectKeys,
    Array,
    ArrayFrom,
    Map,
    Set,
    Error,
    Number,
    String,
    Boolean,
}

const COUNT: usize = 10;

pub struct Cache {
    refs: [sys::napi_ref; COUNT],
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // The references die with the environment; only the box is ours to free.
    drop(unsafe { Box::from_raw(data.cast::<Cache>()) });
}

impl Cache {
    /// This environment's cache, built on first use.
    pub fn get(js: Js) -> R<&'static Cache> {
        let mut data: *mut c_void = ptr::null_mut();
        js.check_named(unsafe { sys::napi_get_instance_data(js.env, &mut data) }, "napi_get_instance_data")?;
        if !data.is_null() {
            // SAFETY: only this module sets the instance data, always to a `Cache`,
            // freed only when the environment is torn down.
            return Ok(unsafe { &*data.cast::<Cache>() });
        }
        let g = js.global()?;
        let object = js.named(g, c"Object")?;
        let array = js.named(g, c"Array")?;
        let values: [Raw; COUNT] = [
            js.named(object, c"prototype")?,
            js.named(object, c"keys")?,
            array,
            js.named(array, c"from")?,
            js.named(g, c"Map")?,
            js.named(g, c"Set")?,
            js.named(g, c"Error")?,
            js.named(g, c"Number")?,
            js.named(g, c"String")?,
            js.named(g, c"Boolean")?,
        ];
        let mut refs = [ptr::null_mut(); COUNT];
        for (slot, value) in refs.iter_mut().zip(values) {
            js.check_named(unsafe { sys::napi_create_reference(js.env, value, 1, slot) }, "napi_create_reference")?;
        }
        let cache = Box::into_raw(Box::new(Cache { refs }));
        let status = unsafe { sys::napi_set_instance_data(js.env, cache.cast(), Some(finalize), ptr::null_mut()) };
        if let Err(e) = js.check_named(status, "napi_set_instance_data") {
            drop(unsafe { Box::from_raw(cache) });
            return Err(e);
        }
        // SAFETY: as above.
        Ok(unsafe { &*cache })
    }

    pub fn value(&self, js: Js, which: Builtin) -> R<Raw> {
        let mut out = ptr::null_mut();
        js.check_named(
            unsafe { sys::napi_get_reference_value(js.env, self.refs[which as usize], &mut out) },
            "napi_get_reference_value",
        )?;
        Ok(out)
    }
}
