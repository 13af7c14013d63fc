"""Globals from published pickle-scanner bypasses and deny lists, as ``(module, name)``.

Read from two public scanners (no file of theirs is copied here; the pickles are built
at test time from these names, see test_files_pickle_bypasses.py):

- picklescan (mmaitre314/picklescan): the ``_unsafe_globals`` table of
  ``src/picklescan/scanner.py`` and every global referenced by the pickles of
  ``tests/data`` and ``tests/data2`` (one per GHSA advisory, plus older cases). Where the
  table bans a whole module (``"*"``), the names its test data uses and the module's
  best-known dangerous functions stand for it.
- modelscan (protectai/modelscan): ``unsafe_globals`` of ``modelscan/settings.py`` and
  the globals its tests expect to be reported.
"""

from __future__ import annotations

#: GHSA advisories of picklescan (tests/data2), one global each (some advisories use two).
ADVISORIES: list[tuple[str, str]] = [
    ("idlelib.pyshell", "ModifiedInterpreter.runcode"),  # GHSA-3gf5-cxq9-w223
    ("idlelib.debugobj", "ObjectTreeItem.SetText"),  # GHSA-3vg9-h568-4w9m
    ("ctypes", "CDLL"),  # GHSA-4675-36f9-wf6r
    ("_operator", "attrgetter"),  # GHSA-46h3-79wf-xr6c
    ("cProfile", "run"),  # GHSA-49gj-c84q-6qm9
    ("torch.utils.bottleneck.__main__", "run_cprofile"),  # GHSA-4r9r-ch6f-vxmx
    ("torch.utils.bottleneck.__main__", "run_autograd_prof"),  # GHSA-4whj-rm5r-c2v8
    ("trace", "Trace.run"),  # GHSA-5qwp-399c-mjwf
    ("profile", "Profile.runctx"),  # GHSA-6vqj-c2q5-j97w
    ("idlelib.autocomplete", "AutoComplete.get_entity"),  # GHSA-6w4w-5w54-rjvr
    ("idlelib.autocomplete", "AutoComplete.fetch_completions"),  # GHSA-7cq8-mj8x-j263
    ("profile", "run"),  # GHSA-7wx9-6375-f5wh
    ("operator", "methodcaller"),  # GHSA-84r2-jw7c-4r5q
    ("pydoc", "locate"),  # GHSA-84r2-jw7c-4r5q
    ("torch._dynamo.guards", "GuardBuilder.get"),  # GHSA-86cj-95qr-2p4f
    ("idlelib.calltip", "Calltip.fetch_tip"),  # GHSA-8r4j-24qv-fmq9
    ("_operator", "methodcaller"),  # GHSA-955r-x9j8-7rhh
    ("cProfile", "runctx"),  # GHSA-9w88-8rmg-7g2p
    ("idlelib.calltip", "get_entity"),  # GHSA-9xph-j2h6-g47v
    ("code", "InteractiveInterpreter.runcode"),  # GHSA-cj3c-v495-4xqh
    ("torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression"),  # GHSA-f4x7-rfwp-v3xw
    ("lib2to3.pgen2.grammar", "Grammar.loads"),  # GHSA-f54q-57x4-jg88
    ("torch.utils.collect_env", "run"),  # GHSA-f745-w6jp-hpxx
    ("doctest", "debug_script"),  # GHSA-fqq6-7vqf-w3fg
    ("trace", "Trace.runctx"),  # GHSA-g344-hcph-8vgg
    ("_aix_support", "_read_cmd_output"),  # GHSA-g38g-8gr9-h9xp (aix-support)
    ("imaplib", "IMAP4_stream"),  # GHSA-g38g-8gr9-h9xp (imaplib)
    ("_osx_support", "_read_output"),  # GHSA-g38g-8gr9-h9xp (osx-support)
    ("_osx_support", "_find_build_tool"),
    ("_pyrepl.pager", "pipe_pager"),  # GHSA-g38g-8gr9-h9xp (pyrepl-pager)
    ("_pyrepl.pager", "tempfile_pager"),
    ("test.support.script_helper", "assert_python_ok"),  # GHSA-g38g-8gr9-h9xp (test)
    ("uuid", "_get_command_stdout"),  # GHSA-g38g-8gr9-h9xp (uuid)
    ("torch.utils.data.datapipes.utils.decoder", "basichandlers"),  # GHSA-h3qp-7fh3-f8h4
    ("idlelib.pyshell", "ModifiedInterpreter.runcommand"),  # GHSA-j343-8v2j-ff7w
    ("asyncio.unix_events", "_UnixSubprocessTransport._start"),  # GHSA-jgw4-cr84-mqxg, GHSA-q77w-mwjj-7mqx
    ("torch.utils.collect_env", "run_and_read_all"),  # GHSA-jhph-76pp-mggw
    ("distutils.file_util", "write_file"),  # GHSA-m273-6v24-x4m4
    ("idlelib.run", "Executive.runcode"),  # GHSA-m869-42cg-3xwr
    ("lib2to3.pgen2.pgen", "ParserGenerator.make_label"),  # GHSA-p9w7-82w4-7q8m
    ("numpy.f2py.crackfortran", "getlincoef"),  # GHSA-r8g5-cgf2-4m4m
    ("pty", "spawn"),  # GHSA-vqmv-47xg-9wpr
    ("torch.jit.unsupported_tensor_ops", "execWrapper"),  # GHSA-vr7h-p6mm-wpmh
    ("torch.utils._config_module", "ConfigModule.load_config"),  # GHSA-vv6j-3g6g-2pvj
    ("pkgutil", "resolve_name"),  # GHSA-vvpj-8cmc-gx39
    ("profile", "Profile.run"),  # GHSA-x696-vm39-cp64
    ("ensurepip", "_run_pip"),  # GHSA-xp4f-hrf8-rxw7
]

#: The rest of picklescan's deny list and test data (tests/data, tests/data2).
PICKLESCAN: list[tuple[str, str]] = [
    *[(module, name) for module in ("__builtin__", "builtins") for name in ("eval", "compile", "getattr", "apply")],
    *[(module, name) for module in ("__builtin__", "builtins") for name in ("exec", "open", "breakpoint")],
    ("builtins", "globals"),
    ("cloudpickle.cloudpickle", "_builtin_type"),
    ("cloudpickle.cloudpickle", "_make_function"),
    ("cloudpickle.cloudpickle", "_function_setstate"),
    ("cloudpickle.cloudpickle", "_make_cell"),
    ("cloudpickle.cloudpickle", "_make_empty_cell"),
    ("cloudpickle.cloudpickle", "subimport"),
    ("types", "CodeType"),
    ("aiohttp", "request"),
    ("aiohttp.client", "ClientSession"),
    ("asyncio", "create_subprocess_shell"),
    ("asyncio.subprocess", "create_subprocess_exec"),
    ("bdb", "Bdb"),
    ("bdb", "Bdb.run"),
    ("commands", "getoutput"),
    ("ctypes", "cdll"),
    ("functools", "partial"),
    ("httplib", "HTTPSConnection"),
    ("logging", "FileHandler"),
    ("_io", "FileIO"),
    ("numpy.f2py.crackfortran", "_eval_length"),
    ("numpy.f2py.crackfortran", "myeval"),
    ("numpy.testing._private.utils", "runstring"),
    ("nt", "system"),
    ("posix", "system"),
    ("_operator", "itemgetter"),
    ("operator", "attrgetter"),
    ("operator", "itemgetter"),
    ("os", "system"),
    ("os", "popen"),
    ("os", "execv"),
    ("requests.api", "get"),
    ("requests.api", "post"),
    ("runpy", "_run_code"),
    ("runpy", "run_path"),
    ("shutil", "rmtree"),
    ("socket", "create_connection"),
    ("ssl", "get_server_certificate"),
    ("subprocess", "run"),
    ("subprocess", "Popen"),
    ("subprocess", "check_output"),
    ("sys", "exit"),
    ("sys", "modules"),
    ("pdb", "run"),
    ("pdb", "Pdb"),
    ("pickle", "loads"),
    ("_pickle", "loads"),
    ("pip", "main"),
    ("pydoc", "pipepager"),
    ("timeit", "timeit"),
    ("torch._inductor.codecache", "compile_file"),
    ("torch.serialization", "load"),
    ("urllib.request", "urlopen"),
    ("venv", "create"),
    ("webbrowser", "open"),
    ("torch", "_utils"),  # a module object, changed by BUILD (sys_module_override_sploit.pkl)
]

#: modelscan's unsafe_globals and the globals its tests expect.
MODELSCAN: list[tuple[str, str]] = [
    *[(module, name) for module in ("__builtin__", "builtins") for name in ("eval", "compile", "getattr", "apply")],
    *[(module, name) for module in ("__builtin__", "builtins") for name in ("exec", "open", "breakpoint")],
    ("__builtin__", "__import__"),
    ("builtins", "__import__"),
    ("builtins", "eval.__call__"),  # a dotted name reaching a method of a builtin
    ("runpy", "_run_code"),
    ("os", "system"),
    ("nt", "system"),
    ("posix", "system"),
    ("socket", "create_connection"),
    ("subprocess", "run"),
    ("sys", "exit"),
    ("operator", "attrgetter"),
    ("pty", "spawn"),
    ("pickle", "loads"),
    ("_pickle", "loads"),
    ("bdb", "Bdb.run"),
    ("pdb", "run"),
    ("shutil", "rmtree"),
    ("asyncio", "run"),
    ("webbrowser", "open"),
    ("httplib", "HTTPSConnection"),
    ("requests.api", "get"),
    ("aiohttp.client", "ClientSession"),
]

#: Every distinct global above.
ALL: list[tuple[str, str]] = sorted({*ADVISORIES, *PICKLESCAN, *MODELSCAN})
