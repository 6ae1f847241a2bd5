"""describeGlobal / sObject basic info / sObject describe bodies with the full real key sets."""

from __future__ import annotations

from typing import Any

from emulator.core.schema import STRING_TYPES, FieldDef, ObjectDef, Schema, child_relationships

_BYTES_PER_CHAR = 3


def object_urls(version: str, name: str, full: bool = False) -> dict[str, str]:
    """The `urls` block, keys in the order real responses use."""
    base = f"/services/data/{version}/sobjects/{name}"
    urls = {
        "compactLayouts": f"{base}/describe/compactLayouts",
        "rowTemplate": f"{base}/{{ID}}",
        "approvalLayouts": f"{base}/describe/approvalLayouts",
        "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
        "listviews": f"{base}/listviews",
        "describe": f"{base}/describe",
        "quickActions": f"{base}/quickActions",
        "layouts": f"{base}/describe/layouts",
        "sobject": base,
    }
    if full:
        urls.update(
            {
                "uiDetailTemplate": "https://emulator.local/{ID}",
                "uiEditTemplate": "https://emulator.local/{ID}/e",
                "uiNewRecord": f"https://emulator.local/{name}/e",
            }
        )
    return urls


def global_entry(obj: ObjectDef, version: str) -> dict[str, Any]:
    """One item of describeGlobal's `sobjects` (and sObject basic info's `objectDescribe`)."""
    return {
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "createable": obj.createable,
        "custom": obj.custom,
        "customSetting": False,
        "deepCloneable": False,
        "deletable": obj.deletable,
        "deprecatedAndHidden": False,
        "feedEnabled": not obj.custom,
        "hasSubtypes": False,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "layoutable": True,
        "mergeable": obj.name in ("Account", "Contact", "Lead"),
        "mruEnabled": True,
        "name": obj.name,
        "queryable": obj.queryable,
        "replicateable": obj.replicateable,
        "retrieveable": obj.retrieveable,
        "searchable": True,
        "triggerable": True,
        "undeletable": bool(obj.undeletable),
        "updateable": obj.updateable,
        "urls": object_urls(version, obj.name),
    }


def describe_global(schema: Schema, version: str) -> dict[str, Any]:
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [global_entry(o, version) for o in schema],
    }


def _picklist(fdef: FieldDef) -> list[dict[str, Any]]:
    return [
        {
            "active": True,
            "defaultValue": n == 0 and fdef.defaulted_on_create,
            "label": v,
            "validFor": None,
            "value": v,
        }
        for n, v in enumerate(fdef.picklist_values)
    ]


def describe_field(fdef: FieldDef) -> dict[str, Any]:
    """Every key of a recent-version field describe, null where not applicable."""
    text_like = fdef.type in STRING_TYPES or fdef.type in ("id", "reference")
    return {
        "aggregatable": fdef.groupable,
        "aiPredictionField": False,
        "autoNumber": fdef.auto_number,
        "byteLength": fdef.length * _BYTES_PER_CHAR
        if text_like and fdef.type not in ("id", "reference")
        else fdef.length
        if text_like
        else 0,
        "calculated": fdef.calculated,
        "calculatedFormula": fdef.formula_text,
        "cascadeDelete": False,
        "caseSensitive": fdef.case_sensitive,
        "compoundFieldName": fdef.compound_field_name,
        "controllerName": None,
        "createable": fdef.createable,
        "custom": fdef.custom,
        "defaultValue": fdef.default_value if fdef.type == "boolean" else None,
        "defaultValueFormula": None,
        "defaultedOnCreate": fdef.defaulted_on_create,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": fdef.digits,
        "displayLocationInDecimal": fdef.type == "location",
        "encrypted": fdef.type == "encryptedstring",
        "externalId": fdef.external_id,
        "extraTypeInfo": fdef.extra_type_info,
        "filterable": fdef.filterable,
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": fdef.groupable,
        "highScaleNumber": False,
        "htmlFormatted": fdef.html_formatted,
        "idLookup": fdef.id_lookup,
        "inlineHelpText": None,
        "label": fdef.label,
        "length": fdef.length if text_like or fdef.type == "base64" else 0,
        "mask": None,
        "maskType": None,
        "name": fdef.name,
        "nameField": fdef.name_field,
        "namePointing": False,
        "nillable": fdef.nillable,
        "permissionable": fdef.custom and fdef.nillable,
        "picklistValues": _picklist(fdef),
        "polymorphicForeignKey": len(fdef.reference_to) > 1,
        "precision": fdef.precision,
        "queryByDistance": False,
        "referenceTargetField": None,
        "referenceTo": list(fdef.reference_to),
        "relationshipName": fdef.relationship_name,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": fdef.restricted_picklist,
        "scale": fdef.scale,
        "searchPrefilterable": False,
        "soapType": fdef.soap_type,
        "sortable": fdef.sortable,
        "type": fdef.type,
        "unique": fdef.unique,
        "updateable": fdef.updateable,
        "writeRequiresMasterRead": False,
    }


def describe_children(schema: Schema, obj: ObjectDef) -> list[dict[str, Any]]:
    return [
        {
            "cascadeDelete": False,
            "childSObject": child.name,
            "deprecatedAndHidden": False,
            "field": fdef.name,
            "junctionIdListNames": [],
            "junctionReferenceTo": [],
            "relationshipName": name,
            "restrictedDelete": False,
        }
        for name, child, fdef in child_relationships(schema, obj)
    ]


def describe_object(schema: Schema, obj: ObjectDef, version: str) -> dict[str, Any]:
    body = global_entry(obj, version)
    body.update(
        {
            "actionOverrides": [],
            "childRelationships": describe_children(schema, obj),
            "compactLayoutable": True,
            "defaultImplementation": None,
            "extendedBy": None,
            "extendsInterfaces": None,
            "fields": [describe_field(f) for f in obj.fields],
            "implementedBy": None,
            "implementsInterfaces": None,
            "listviewable": None,
            "lookupLayoutable": None,
            "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            "recordTypeInfos": [
                {
                    "active": True,
                    "available": True,
                    "defaultRecordTypeMapping": True,
                    "developerName": "Master",
                    "master": True,
                    "name": "Master",
                    "recordTypeId": "012000000000000AAA",
                    "urls": {
                        "layout": f"{object_urls(version, obj.name)['layouts']}/012000000000000AAA"
                    },
                }
            ],
            "searchLayoutable": True,
            "sobjectDescribeOption": "FULL",
            "supportedScopes": [
                {"label": "All " + obj.label_plural.lower(), "name": "everything"},
                {"label": "My " + obj.label_plural.lower(), "name": "mine"},
            ],
            "urls": object_urls(version, obj.name, full=True),
        }
    )
    return dict(sorted(body.items()))
