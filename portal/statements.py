"""A queryset's statement compiled once per process and run again with new arguments (issue 18): building the SQL
of a read (`as_sql`, `get_select`, the filters, the converters) cost more CPU than reading its rows. The precedent
is the token's statement (portal/api_auth.py); this is the same made reusable, with the ORM still writing the SQL.

`Statement(build)`: `build(*args)` returns the queryset; on the first run of a shape it is called once with a
stand-in for each argument (a value no caller passes), its SQL compiled, and the place of each stand-in among the
statement's parameters noted. Every run after it substitutes the arguments, executes, and makes the model
instances as the queryset would (`Model.from_db`, the columns' converters, the rows of `select_related`), so what
comes back is what `list(build(*args))` gives. The statement is the SQL only: every run reads the database afresh.

An argument is an int or a str, passed to a plain lookup (`exact`, `in`...) that hands it to the database as it is;
a lookup that changes it (`contains`, a transform) leaves its stand-in unfound, which is refused when the statement
is compiled. `None` is not a value but a shape: a statement has one compiled form per pattern of arguments that are
None (`x=None` is `IS NULL`). What else decides the SQL (a user's role, the field list of `only`) is the caller's
`shape`, passed to `build` as keyword arguments and part of the key under which the compiled form is kept."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.query import ModelIterable, get_related_populators

# Stand-ins: in range of a 32-bit integer column (the ORM turns an out-of-range integer into "no row" before it
# reaches the SQL) and never a real value of the columns they are compared with.
_INT = -1_987_654_300
_STR = "\x1fstatement-argument-{}\x1f"


def _stand_in(kind, n):
    return _INT - n if kind is int else _STR.format(n)


class Statement:
    def __init__(self, build):
        self.build = build
        self._compiled = {}

    def __call__(self, *args, using="default", **shape):
        """The model instances `build(*args, **shape)` reads, in its order: one statement, compiled on the first
        call of this shape in this process."""
        kinds = tuple(None if a is None else type(a) for a in args)
        key = (using, kinds, tuple(sorted(shape.items())))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _Compiled(self.build, kinds, using, shape)
        return compiled.run(args)


class _Compiled:
    def __init__(self, build, kinds, using, shape):
        for kind in kinds:
            if kind not in (None, int, str):
                raise TypeError(f"a statement's argument is an int, a str or None, not {kind.__name__}")
        stand_ins = [None if kind is None else _stand_in(kind, n) for n, kind in enumerate(kinds)]
        queryset = build(*stand_ins, **shape).using(using)
        if queryset._iterable_class is not ModelIterable or queryset._known_related_objects:
            raise TypeError("a statement reads model instances, without values() or a related manager's objects")
        self.using = using
        self.empty = queryset.query.is_empty()  # none(): no statement at all
        if self.empty:
            return
        compiler = queryset.query.get_compiler(using=using)
        try:
            self.sql, params = compiler.as_sql()
        except EmptyResultSet:
            self.empty = True
            return
        # Each parameter: (the index of the argument it is, None) or (None, the constant the queryset put there).
        places = {value: n for n, value in enumerate(stand_ins) if value is not None}
        self.params = []
        for value in params:
            n = places.get(value) if isinstance(value, (int, str)) and type(value) is not bool else None
            self.params.append((n, None) if n is not None else (None, value))
        found = {n for n, _ in self.params if n is not None}
        missing = [n for n, value in enumerate(stand_ins) if value is not None and n not in found]
        if missing:
            raise ValueError(f"arguments {missing} do not reach the statement's parameters unchanged")
        select, klass_info = compiler.select, compiler.klass_info
        self.columns = compiler.col_count
        self.converters = list(compiler.get_converters([s[0] for s in select[: self.columns]]).items())
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.names = [f[0].target.attname for f in select[self.start : self.end]]
        self.related = get_related_populators(klass_info, select, using)
        self.annotations = list(compiler.annotation_col_map.items())

    def run(self, args):
        if self.empty:
            return []
        params = [args[n] if n is not None else value for n, value in self.params]
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        objects = []
        for row in rows:
            row = list(row[: self.columns])
            for place, (converters, expression) in self.converters:
                value = row[place]
                for convert in converters:
                    value = convert(value, expression, connection)
                row[place] = value
            obj = self.model.from_db(self.using, self.names, row[self.start : self.end])
            for populator in self.related:
                populator.populate(row, obj)
            for name, place in self.annotations:
                setattr(obj, name, row[place])
            objects.append(obj)
        return objects


class ByPk:
    """What `Model.refresh_from_db` asks of the queryset it reads the row with (`filter(pk=…).only(*fields).get()`),
    answered by a statement compiled once per model and field list: `refresh_from_db(fields=…,
    from_queryset=ByPk(Model, alias))` is Django's refresh (the values copied, a foreign key's cached row kept or
    dropped, a prefetched list named in `fields` dropped) without building the SQL again."""

    _statements = {}

    def __init__(self, model, using="default"):
        self.model, self.using = model, using
        self.statement = self._statements.get(model)
        if self.statement is None:
            manager = model._base_manager
            self.statement = self._statements[model] = Statement(
                lambda pk, *, fields: manager.filter(pk=pk).only(*fields)
            )

    def filter(self, *, pk):
        self.pk = pk
        return self

    def only(self, *fields):
        self.fields = tuple(sorted(fields))
        return self

    def get(self):
        rows = self.statement(self.pk, using=self.using, fields=self.fields)
        if not rows:
            raise self.model.DoesNotExist(f"{self.model._meta.object_name} matching query does not exist.")
        return rows[0]
