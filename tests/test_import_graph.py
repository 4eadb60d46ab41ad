"""No import loop among the product's modules (grimp, which import-linter is built on).

import-linter's ``acyclic_siblings`` contract (pyproject.toml) finds loops between
sibling packages; this finds a loop between any two modules, however they are nested:
``a -> b -> a`` made the old ``pos-terminal`` registry depend on import order.
"""

from __future__ import annotations

import grimp

PRODUCT = ("shared", "terminal", "sync_server")


def _loops(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    loops.append(sorted(group))
    return loops


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph(*PRODUCT, cache_dir=None)
    assert _loops(graph) == []


def test_a_loop_is_found() -> None:
    """The check itself: a loop added to a real graph is reported with its members."""
    graph = grimp.build_graph(*PRODUCT, cache_dir=None)
    assert graph.direct_import_exists(
        importer="terminal.services.store", imported="terminal.services.views"
    )
    graph.add_import(importer="terminal.services.views", imported="terminal.services.store")
    loops = _loops(graph)
    assert len(loops) == 1
    assert {"terminal.services.store", "terminal.services.views"} <= set(loops[0])
