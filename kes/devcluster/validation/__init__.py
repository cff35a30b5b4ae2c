"""kube-apiserver's checks of built-in objects: Go decoding of typed fields, then validation.

`decoding` refuses what the apiserver's Go types cannot decode (400), `objects` and `pods`
report field errors (422) with the apiserver's wording, built from `fields`.
"""
