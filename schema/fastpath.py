"""Plain model columns resolved by reading the loaded row, as graphql-core's default does.

strawberry and strawberry-django run every field through the same machinery (building an
Info, the field's extensions, `get_result`'s descriptor checks): about 9 µs a field, most
of the time of a page of 20 resources with their venues and amenities. A column or a
forward foreign key without resolver, arguments, extensions or permissions needs none of
it when the optimizer has loaded the value: the resolver installed here reads the row's
`__dict__` (or the related-object cache) and falls back to strawberry-django's own
resolver when the value is not there, so answers are the same either way.

A to-many list without arguments (a resource's amenities) is read the same way from the
optimizer's prefetch: strawberry-django's path builds a related manager and clones its
QuerySet for every row (~60 µs) only to hand back the same prefetched list.
"""

from django.db.models import FileField
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ManyToManyDescriptor,
    ReverseManyToOneDescriptor,
)
from django.db.models.query_utils import DeferredAttribute
from graphql import GraphQLObjectType
from strawberry import relay
from strawberry.relay.utils import to_base64
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.optimizer import is_optimized_by_prefetching
from strawberry_django.utils.typing import get_django_definition

BACKREF = "strawberry-definition"


def install(schema) -> int:
    """Give every eligible field of `schema` the direct resolver; returns how many."""
    installed = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        type_definition = (graphql_type.extensions or {}).get(BACKREF)
        django_definition = (get_django_definition(type_definition.origin)
                             if type_definition is not None else None)
        if django_definition is None or django_definition.model is None:
            continue
        for name, graphql_field in graphql_type.fields.items():
            resolver = (_node_id(graphql_type.name, type_definition.origin, graphql_field)
                        if name == "id" else _direct(django_definition.model, graphql_field))
            if resolver is not None:
                graphql_field.resolve = resolver
                installed += 1
    return installed


def _node_id(type_name: str, origin, graphql_field):
    """A relay node's global id from its loaded NodeID column (strawberry's own: Info,
    resolve_typename, resolve_id, a GlobalID object, then its string)."""
    if (not issubclass(origin, relay.Node)
            or origin.resolve_typename.__func__ is not relay.Node.resolve_typename.__func__):
        return None
    id_attr = origin.resolve_id_attr()
    fallback = graphql_field.resolve

    def node_id(source, info, **kwargs):
        try:
            return to_base64(type_name, source.__dict__[id_attr])
        except (KeyError, AttributeError):
            return fallback(source, info, **kwargs)

    return node_id


def _direct(model, graphql_field):
    field = (graphql_field.extensions or {}).get(BACKREF)
    if (not isinstance(field, StrawberryDjangoField) or field.base_resolver is not None
            or field.extensions or field.permission_classes or graphql_field.args
            or graphql_field.resolve is None):
        return None
    descriptor = getattr(model, field.django_name or field.python_name, None)
    fallback = graphql_field.resolve
    if isinstance(descriptor, DeferredAttribute) and not isinstance(descriptor.field,
                                                                     FileField):
        attname = descriptor.field.attname

        def column(source, info, **kwargs):
            try:
                return source.__dict__[attname]
            except (KeyError, AttributeError):
                return fallback(source, info, **kwargs)

        return column
    if isinstance(descriptor, ForwardManyToOneDescriptor):
        cache_name = descriptor.field.cache_name

        def related(source, info, **kwargs):
            try:
                return source._state.fields_cache[cache_name]
            except (KeyError, AttributeError):
                return fallback(source, info, **kwargs)

        return related
    cache_name = _prefetch_cache_name(descriptor)
    if cache_name is not None:

        def prefetched(source, info, **kwargs):
            try:
                queryset = source._prefetched_objects_cache[cache_name]
            except (KeyError, AttributeError):
                return fallback(source, info, **kwargs)
            # Only a prefetch the optimizer made for this selection (strawberry-django
            # would hand back the same list); any other goes through its resolver.
            if queryset._result_cache is None or not is_optimized_by_prefetching(queryset):
                return fallback(source, info, **kwargs)
            return queryset._result_cache

        return prefetched
    return None


def _prefetch_cache_name(descriptor) -> str | None:
    """The key of `_prefetched_objects_cache` the descriptor's related manager reads."""
    if isinstance(descriptor, ManyToManyDescriptor):
        field = descriptor.rel.field
        return field.related_query_name() if descriptor.reverse else field.name
    if isinstance(descriptor, ReverseManyToOneDescriptor):
        return descriptor.field.remote_field.cache_name
    return None
