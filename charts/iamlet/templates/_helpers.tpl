{{/* Labels of every object: the name and component the kustomize install uses (selectors rely on them), and
Helm's usual ones. */}}
{{- define "iamlet.labels" -}}
app.kubernetes.io/name: {{ .name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{ include "iamlet.helmLabels" .root }}
{{- end }}

{{/* Helm's usual labels alone (the CRD carries no others, as in daemonset/base). */}}
{{- define "iamlet.helmLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "iamlet.agentLabels" -}}
{{ include "iamlet.labels" (dict "root" . "name" "iamlet") }}
{{- end }}

{{- define "iamlet.webhookLabels" -}}
{{ include "iamlet.labels" (dict "root" . "name" "iamlet-webhook") }}
{{- end }}

{{/* The one image both containers (and the webhook) run: a digest wins over the tag. */}}
{{- define "iamlet.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/* True (non-empty) when the metadata path is on. */}}
{{- define "iamlet.metadataPath" -}}
{{- if has .Values.mode (list "kube2iam" "both") }}true{{ end -}}
{{- end }}

{{/* A value as an environment variable's text: lists joined with commas, whole numbers without exponent, the rest
as printed. */}}
{{- define "iamlet.envValue" -}}
{{- if kindIs "slice" . -}}
{{ join "," . }}
{{- else if and (kindIs "float64" .) (eq (floor .) .) -}}
{{/* YAML numbers arrive as float64, which would print 1000000 as 1e+06. */}}
{{- int64 . }}
{{- else -}}
{{ . }}
{{- end -}}
{{- end }}
