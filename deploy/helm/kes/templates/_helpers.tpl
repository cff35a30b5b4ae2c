{{/* Names and labels shared by every template of the kes chart. */}}

{{- define "kes.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kes.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "kes.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "kes.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "kes.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kes.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{- define "kes.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "kes.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "kes.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kes.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kes.storeClaim" -}}
{{- default (printf "%s-store" (include "kes.fullname" .)) .Values.store.sqlite.existingClaim }}
{{- end }}

{{- define "kes.webhookSecret" -}}
{{- if eq .Values.bpValidatingWebhook.tls.mode "custom" }}
{{- required "Missing required TLS secretName containing cert details, Make sure to set `bpValidatingWebhook.tls.secretName`" .Values.bpValidatingWebhook.tls.secretName }}
{{- else }}
{{- printf "%s-webhook-certs" (include "kes.fullname" .) }}
{{- end }}
{{- end }}
