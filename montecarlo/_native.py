"""Machine code of the Monte Carlo kernels: compiled by Numba once per machine, loaded without it.

Why not Numba's own cache: a new process that loads a cached Numba function pays Numba's
import (~0.4 s) and the initialisation of its typing and target contexts on the first call
(~0.5 s, which also imports ``scipy.linalg`` through ``numba.np.arraymath``), whatever the
function; that alone exceeds the 1 s start-up budget of the Monte Carlo engine. So each
kernel of :mod:`montecarlo._kernels` is compiled by Numba for ONE explicit signature, without
the CPython and C wrappers (less to compile), and its relocatable object code (the very code
Numba's JIT runs, ``CodeLibrary.serialize_using_object_code``) is written to a cache file.
Later processes load that object with llvmlite's MCJIT (no Numba import, a few ms) and call
the kernel through ctypes with Numba's calling convention: ``int32 f(void *ret, void *exc,
args...)``, each C-contiguous array flattened to ``(meminfo, parent, size, itemsize, data,
shape..., strides...)`` with null meminfo and parent (the kernels neither allocate nor keep
references). Ctypes releases the GIL during the call, so blocks of chains run in parallel
threads.

Any failure to build or load a kernel (another CPU, an llvmlite or Numba API change, an
external symbol, a corrupt file) is reported once as a ``RuntimeWarning`` and the kernel then
runs through Numba's dispatcher instead: slower start-up, the same numbers.

A build is refused (``RuntimeError``) if the kernel's code references an external symbol
other than the C math library and ``memset``/``memcpy``/``memmove`` (``NRT_MemInfo_call_dtor``
is referenced by Numba's reference-count helpers; with null meminfo it is unreachable, and
unless Numba's runtime already provides it, it is bound to ``abort``).

The cache key covers the kernel sources, the signature, the JIT flags, the Numba and
llvmlite versions and the host CPU (name and features), so a stale or foreign object is never
loaded; files are written atomically (temporary file, then ``os.replace``), so concurrent
processes (MPI ranks on a cold cache) at worst compile the same kernel twice. Location:
``$NUMBA_CACHE_DIR/hebbian_montecarlo`` if ``NUMBA_CACHE_DIR`` is set, else
``montecarlo/__pycache__`` if writable, else ``$XDG_CACHE_HOME/hebbian_montecarlo`` (default
``~/.cache``). ``HEBBIAN_NUMBA_CACHE=0`` compiles in every process (nothing read or written);
``HEBBIAN_NATIVE=0`` bypasses this module: the kernels then run through Numba's dispatcher
(and Numba's cache), e.g. on a platform where loading objects fails.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import threading
import warnings
from pathlib import Path

import numpy as np

from . import _jit

__all__ = ["kernel", "SIGNATURES", "cache_dir"]

# rows of the per-member arrays of the kernels (see montecarlo._kernels)
TEMP, AT, ACC, NET, SITE = 0, 1, 2, 3, 4          # imem (int64)
EINC, BETA, EBUF, TAU = 0, 1, 2, 3                # fmem (float64)

# ============================================================================ signatures
# "i8": int64 scalar; (dtype, ndim): C-contiguous array
_I = "i8"
SIGNATURES = {
    # b B fam rule order N n K k0 R T track learn swap_every n_sweeps sweep0 burn_in every P mode
    "block": (_I,) * 20 + (
        ("int8", 3), ("int8", 3), ("float64", 1),                    # v xi scale
        ("int64", 2), ("int64", 1),                                  # dself ecst (pair)
        ("int64", 2), ("int64", 2), ("int64", 2),                    # tab etab cache (table)
        ("float64", 2), ("float64", 2), ("float64", 2),              # ftab fetab fcache (float table)
        ("int64", 3), ("int64", 3), ("float64", 3),                  # Q PS work (general)
        ("int8", 2), ("int32", 2), ("int32", 2), ("uint64", 2),      # spins S Sxi rng
        ("int64", 2), ("float64", 2), ("float64", 1),                # imem fmem betas
        ("uint64", 2), ("int64", 3),                                 # lrng lstat
        ("int32", 3), ("float64", 2), ("int32", 2), ("float64", 2),  # snap esnap qsnap probe
    ),
}

# external symbols a kernel may reference (resolved in the Python process)
_ALLOWED = {"memset", "memcpy", "memmove", "NRT_MemInfo_call_dtor"} | {
    f + s for f in ("log", "exp", "pow", "sqrt", "log1p", "expm1", "fabs", "floor", "ceil", "trunc", "round",
                    "fmod", "exp2", "log2", "log10") for s in ("", "f")}

_LOCK = threading.RLock()
_LOADED = {}          # name -> Kernel
_ENGINES = []         # keep the MCJIT engines (and their code) alive


# ============================================================================ public
def kernel(name):
    """The kernel ``name`` of :data:`SIGNATURES` as a callable taking the arrays and scalars
    of its signature (loaded from the cache, or compiled and cached on first use)."""
    k = _LOADED.get(name)
    if k is not None:
        return k
    with _LOCK:
        if name not in _LOADED:
            if not _jit.NATIVE:
                _LOADED[name] = _dispatcher(name)
            else:
                try:
                    _LOADED[name] = _native_kernel(name)
                except Exception as exc:              # noqa: BLE001 -- any failure: fall back
                    warnings.warn(f"montecarlo: the native kernel {name!r} could not be built or loaded "
                                  f"({type(exc).__name__}: {exc}); running it through Numba's dispatcher "
                                  "instead (slower start-up, same results; HEBBIAN_NATIVE=0 silences this)",
                                  RuntimeWarning, stacklevel=3)
                    _LOADED[name] = _dispatcher(name)
        return _LOADED[name]


def _dispatcher(name):
    """The kernel as Numba's dispatcher (compiled on first call, Numba's own cache)."""
    from . import _kernels
    return getattr(_kernels, name)


def cache_dir():
    """Directory of the native kernels (created if needed), or None when caching is off."""
    if not _jit.CACHE:
        return None
    env = os.environ.get("NUMBA_CACHE_DIR")
    candidates = [Path(env) / "hebbian_montecarlo"] if env else [Path(__file__).resolve().parent / "__pycache__"]
    if not env:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        candidates.append(Path(base) / "hebbian_montecarlo")
    for d in candidates:
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(d, os.W_OK):
            return d
    return None


# ============================================================================ calling
class Kernel:
    """A loaded kernel: ``k(*args)`` checks the arrays against the signature and calls it."""

    def __init__(self, name, address, spec):
        self.name = name
        self.spec = spec
        argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        for a in spec:
            if a == _I:
                argtypes.append(ctypes.c_int64)
            else:
                argtypes += [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
                argtypes += [ctypes.c_int64] * (2 * a[1])
        self._fn = ctypes.CFUNCTYPE(ctypes.c_int32, *argtypes)(address)
        self._dtypes = [None if isinstance(a, str) else (np.dtype(a[0]), a[1]) for a in spec]

    def __call__(self, *args):
        if len(args) != len(self.spec):
            raise TypeError(f"{self.name} takes {len(self.spec)} arguments, got {len(args)}")
        flat = []
        for k, (x, want) in enumerate(zip(args, self._dtypes)):
            if want is None:
                flat.append(x)
                continue
            if not (isinstance(x, np.ndarray) and x.dtype == want[0] and x.ndim == want[1]
                    and x.flags.c_contiguous and x.flags.aligned):
                raise TypeError(f"{self.name}: argument {k} must be a C-contiguous {want[0]} array of "
                                f"{want[1]} dimensions, got {getattr(x, 'dtype', type(x))} "
                                f"{getattr(x, 'shape', '')}")
            flat += [None, None, x.size, x.itemsize, _address(x)]
            flat += x.shape
            flat += x.strides
        ret = ctypes.c_int64(0)
        exc = ctypes.c_void_p(0)
        status = self._fn(ctypes.byref(ret), ctypes.byref(exc), *flat)
        if status != 0:
            raise RuntimeError(f"montecarlo kernel {self.name} failed (status {status})")


def _address(x):
    """Address of the data of a C-contiguous array (``x.ctypes.data``, 3x faster when it can be
    taken from the buffer: ~0.5 us instead of ~1.5 us, for ~30 arrays per call)."""
    try:
        return ctypes.addressof(_CHAR.from_buffer(x))
    except (TypeError, ValueError, BufferError):     # read-only or empty
        return x.ctypes.data


_CHAR = ctypes.c_char


# ============================================================================ build and load
def _native_kernel(name):
    spec = SIGNATURES[name]
    key = _key(name, spec)
    d = cache_dir()
    path = None if d is None else d / f"{name}-{key[:20]}.o"
    if path is not None and path.exists():
        try:
            symbol, obj = _read(path, key)
            return Kernel(name, _load(obj, symbol), spec)
        except (OSError, ValueError, KeyError, RuntimeError):
            pass                                   # unreadable, foreign or unloadable file: rebuild it
    symbol, obj = _build(name, spec)
    if path is not None:
        _write(path, key, symbol, obj)
    return Kernel(name, _load(obj, symbol), spec)


def _key(name, spec):
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in ("_kernels.py", "_native.py", "_jit.py"):
        h.update((here / f).read_bytes())
    numba_spec = importlib.util.find_spec("numba")
    if numba_spec is None or numba_spec.origin is None:
        raise RuntimeError("montecarlo needs numba to compile its kernels")
    h.update(Path(numba_spec.origin).with_name("_version.py").read_bytes())
    import llvmlite
    import llvmlite.binding as ll
    parts = [name, repr(spec), repr(_jit.kernel_options()), llvmlite.__version__, sys.platform,
             ll.get_host_cpu_name(), ll.get_host_cpu_features().flatten(),
             *(os.environ.get(v, "") for v in ("NUMBA_OPT", "NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES"))]
    h.update("\0".join(parts).encode())
    return h.hexdigest()


_MAGIC = b"hebbian-montecarlo-kernel-2\n"


def _read(path, key):
    data = path.read_bytes()
    if not data.startswith(_MAGIC):
        raise ValueError("not a kernel file")
    n = int.from_bytes(data[len(_MAGIC):len(_MAGIC) + 8], "little")
    start = len(_MAGIC) + 8
    head = json.loads(data[start:start + n])
    if head.get("key") != key:
        raise ValueError("stale kernel file")
    obj = data[start + n:]
    if head.get("sha256") != hashlib.sha256(obj).hexdigest():
        raise ValueError("corrupt kernel file")        # never hand a damaged object to LLVM
    return head["symbol"], obj


def _write(path, key, symbol, obj):
    head = json.dumps({"key": key, "symbol": symbol, "sha256": hashlib.sha256(obj).hexdigest()}).encode()
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + len(head).to_bytes(8, "little") + head + obj)
        os.chmod(tmp, 0o644)                       # mkstemp's 0600 would hide it from other users
        os.replace(tmp, path)                      # atomic: readers see the old file or the whole new one
    except OSError:
        # a read-only or full cache is not an error: this process keeps its compiled kernel
        if tmp is not None and os.path.exists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _build(name, spec):
    """Compile the kernel with Numba; return (symbol, relocatable object code).

    The kernel is compiled from a private copy of :mod:`montecarlo._kernels` (its helpers are
    new dispatchers, never used elsewhere) under :func:`_one_final_module`."""
    import numba
    from numba import types

    def typ(a):
        if a == _I:
            return types.int64
        return types.Array(numba.from_dtype(np.dtype(a[0])), a[1], "C")

    sig = types.void(*(typ(a) for a in spec))
    module = _private_kernels()
    py = getattr(module, name).py_func
    helpers = {f for f, obj in vars(module).items() if f != name and hasattr(obj, "py_func")}
    with _one_final_module(helpers):
        disp = numba.njit(sig, **_jit.kernel_options(cache=False, no_cpython_wrapper=True,
                                                     no_cfunc_wrapper=True))(py)
    cres = disp.overloads[sig.args]
    external = set()
    for line in cres.library.get_llvm_str().splitlines():
        if line.startswith("declare"):
            sym = line.split("@", 1)[1].split("(", 1)[0].strip('"')
            if not sym.startswith("llvm."):
                external.add(sym)
        elif " = external " in line and line.startswith("@"):
            external.add(line[1:].split(" ", 1)[0].strip('"'))
    bad = sorted(external - _ALLOWED)
    if bad:
        raise RuntimeError(f"montecarlo kernel {name} references external symbols {bad}: it cannot be loaded "
                           "without Numba (set HEBBIAN_NATIVE=0 to run it through Numba's dispatcher)")
    _, kind, data = cres.library.serialize_using_object_code()
    return cres.fndesc.llvm_func_name, data[0]


def _private_kernels():
    """A fresh copy of :mod:`montecarlo._kernels` (same source, its own dispatchers)."""
    here = Path(__file__).resolve().parent
    spec = importlib.util.spec_from_file_location(f"{__package__}._kernels_native_build", here / "_kernels.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module                # Numba looks functions' modules up there
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def _one_final_module(helpers):
    """Optimise and generate machine code once, for the kernel only, not for its ``helpers``
    (the names of the functions it calls).

    Numba compiles every helper a kernel calls as a library of its own and, by default,
    optimises it (LLVM -O3 module passes) and turns it into machine code before linking its IR
    into the caller, which optimises the linked module again: the helpers (called only from the
    kernel, no Python or C wrappers) are optimised once per level of calls and compiled to
    machine code that is never run. Within this context the libraries of the helpers are only
    linked (function-level passes, as usual, when their IR is added), and the kernel's library
    optimises the whole linked module once and generates its code: the same semantics (no
    fast-math: the same numbers, checked by ``benchmarks/mc_dump.py``), about 2 s less of a cold
    compile. It relies on private Numba methods: if one is missing, nothing is patched (a
    slower compile, the same code path). Numba's global compiler lock is held, so no other
    compilation runs meanwhile; the helpers compiled here belong to :func:`_private_kernels`;
    every other library (Numba's runtime, initialised first, and its internal routines) is
    finalised as usual.
    """
    from numba.core import codegen
    from numba.core.compiler_lock import global_compiler_lock
    from numba.core.registry import cpu_target

    lib_cls, cg_cls = codegen.CPUCodeLibrary, codegen.JITCPUCodegen
    names = ("finalize", "_finalize_dynamic_globals", "_get_module_for_linking", "_raise_if_finalized")
    if not (all(hasattr(lib_cls, a) for a in names) and hasattr(codegen.JITCodeLibrary, "get_pointer_to_function")
            and hasattr(cg_cls, "set_env")):
        yield
        return
    finalize, pointer, set_env = lib_cls.finalize, codegen.JITCodeLibrary.get_pointer_to_function, cg_cls.set_env

    def as_usual(lib):
        return lib.name.rsplit(".", 1)[-1] not in helpers

    def lazy_finalize(self):
        if as_usual(self):
            return finalize(self)
        self._raise_if_finalized()
        seen = set()
        for lib in self._linking_libraries:
            if lib not in seen:
                seen.add(lib)
                self._reload_init.update(lib._reload_init)
                self._final_module.link_in(lib._get_module_for_linking(), preserve=True)
        self._final_module.verify()
        self._finalize_dynamic_globals()
        self._finalized = True

    def lazy_pointer(self, fname):
        if as_usual(self):
            return pointer(self, fname)
        self._ensure_finalized()
        return 0                                   # helpers have no wrapper: Numba gets 0 here too

    def lazy_set_env(self, env_name, env):
        if self._engine.get_global_value_address(env_name):
            set_env(self, env_name, env)           # a helper's environment is not in the engine

    with global_compiler_lock:
        cpu_target.target_context.refresh()        # initialises Numba's runtime library, if not yet
        lib_cls.finalize = lazy_finalize
        codegen.JITCodeLibrary.get_pointer_to_function = lazy_pointer
        cg_cls.set_env = lazy_set_env
        try:
            yield
        finally:
            lib_cls.finalize = finalize
            codegen.JITCodeLibrary.get_pointer_to_function = pointer
            cg_cls.set_env = set_env


_LLVM_READY = False


def _load(obj, symbol):
    """Load a relocatable object into a new MCJIT engine; the address of ``symbol``."""
    global _LLVM_READY
    import llvmlite.binding as ll
    if not _LLVM_READY:
        ll.initialize_native_target()
        ll.initialize_native_asmprinter()
        if ll.address_of_symbol("NRT_MemInfo_call_dtor") is None:
            # unreachable with null meminfo (see the module notes); Numba's runtime, when
            # initialised, registers the real one, which then takes precedence
            libc = ctypes.CDLL(None)
            ll.add_symbol("NRT_MemInfo_call_dtor", ctypes.cast(libc.abort, ctypes.c_void_p).value)
        _LLVM_READY = True
    tm = ll.Target.from_default_triple().create_target_machine()
    engine = ll.create_mcjit_compiler(ll.parse_assembly(""), tm)
    engine.add_object_file(ll.ObjectFileRef.from_data(obj))
    engine.finalize_object()
    address = engine.get_function_address(symbol)
    if not address:
        raise ValueError(f"symbol {symbol} not found in the kernel object")
    _ENGINES.append(engine)
    return address
