{{/* Chart name, truncated to the 63 characters Kubernetes allows in names. */}}
{{- define "tracerelay.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name; role resources append "-<role>", so keep room for that (52). */}}
{{- define "tracerelay.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tracerelay.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Common labels. */}}
{{- define "tracerelay.labels" -}}
helm.sh/chart: {{ include "tracerelay.chart" . }}
{{ include "tracerelay.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tracerelay
{{- end }}

{{- define "tracerelay.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tracerelay.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one role's resources: (dict "root" $ "role" "ingest"). */}}
{{- define "tracerelay.roleLabels" -}}
{{ include "tracerelay.labels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{- define "tracerelay.roleSelectorLabels" -}}
{{ include "tracerelay.selectorLabels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{- define "tracerelay.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tracerelay.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tracerelay.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The HTTP port every role listens on (config.server.port → TRACERELAY_PORT). */}}
{{- define "tracerelay.port" -}}
{{- .Values.config.server.port | default 4318 | int }}
{{- end }}

{{/*
Refuses inline secrets: walks a value (dict "path" "destinations" "value" .Values.config.destinations)
and fails when a key that names a secret holds anything but a ${ENV_VAR} (or ${file:...}) reference.
*/}}
{{- define "tracerelay.checkNoInlineSecrets" -}}
{{- $path := .path }}
{{- if kindIs "map" .value }}
{{- range $k, $v := .value }}
{{- $p := printf "%s.%s" $path $k }}
{{- if and (kindIs "string" $v) (regexMatch "(?i)(secret|password|passwd|token|api_?key|private_?key|credential|access_?key)" $k) (not (regexMatch "^\\$\\{[^}]+\\}$" $v)) }}
{{- fail (printf "%s: looks like a secret; do not put it in values (it would land in the ConfigMap). Put it in a Secret, add it to secretEnv and write ${ENV_VAR} here" $p) }}
{{- end }}
{{- include "tracerelay.checkNoInlineSecrets" (dict "path" $p "value" $v) }}
{{- end }}
{{- else if kindIs "slice" .value }}
{{- range $i, $v := .value }}
{{- include "tracerelay.checkNoInlineSecrets" (dict "path" (printf "%s[%d]" $path $i) "value" $v) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The configuration file (tracerelay.yaml). Brokers and the store URL come from the environment. */}}
{{- define "tracerelay.config" -}}
{{- include "tracerelay.checkNoInlineSecrets" (dict "path" "config.destinations" "value" .Values.config.destinations) }}
{{- include "tracerelay.checkNoInlineSecrets" (dict "path" "config.webhooks" "value" .Values.config.webhooks) }}
{{- include "tracerelay.checkNoInlineSecrets" (dict "path" "config.bus" "value" .Values.config.bus) }}
{{- include "tracerelay.checkNoInlineSecrets" (dict "path" "rules" "value" .Values.rules) }}
{{- $cfg := dict "log_level" .Values.config.logLevel "data_dir" "/data" }}
{{- $_ := set $cfg "server" (deepCopy .Values.config.server) }}
{{- $_ := set $cfg "bus" (merge (dict "kind" "kafka") (deepCopy .Values.config.bus)) }}
{{- $_ := set $cfg "store" (dict "database" .Values.config.database) }}
{{- $_ := set $cfg "destinations" .Values.config.destinations }}
{{- with .Values.config.webhooks }}{{ $_ := set $cfg "webhooks" . }}{{ end }}
{{- with .Values.config.pricing }}{{ $_ := set $cfg "pricing" . }}{{ end }}
{{- with .Values.rules }}{{ $_ := set $cfg "rules" . }}{{ end }}
{{- $cfg = mergeOverwrite $cfg (deepCopy .Values.config.extra) }}
{{- toYaml $cfg }}
{{- end }}

{{/* Environment of a role's container: (dict "root" $ "role" "ingest"). */}}
{{- define "tracerelay.env" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
- name: TRACERELAY_CONFIG
  value: /etc/tracerelay/tracerelay.yaml
- name: TRACERELAY_PORT
  value: {{ include "tracerelay.port" $root | quote }}
- name: TRACERELAY_DATA_DIR
  value: /data
- name: TRACERELAY_BUS_KIND
  value: kafka
- name: TRACERELAY_KAFKA_BROKERS
  value: {{ required "kafka.brokers: at least one host:port is required" (join "," $v.kafka.brokers) | quote }}
{{- if has .role (list "deliver" "explorer") }}
{{- if $v.store.existingSecret }}
- name: TRACERELAY_STORE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $v.store.existingSecret }}
      key: {{ $v.store.existingSecretKey }}
{{- else }}
- name: TRACERELAY_STORE_URL
  value: {{ required "store.url or store.existingSecret is required: deliver and explorer need a ClickHouse server" $v.store.url | quote }}
{{- end }}
{{- end }}
{{- $keys := required "auth.existingSecret is required: every tracerelay pod must know the same project keys (a Secret with public-key and secret-key)" $v.auth.existingSecret }}
- name: TRACERELAY_INIT_PUBLIC_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $keys }}
      key: {{ $v.auth.publicKeyKey }}
- name: TRACERELAY_INIT_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $keys }}
      key: {{ $v.auth.secretKeyKey }}
{{- if and (eq .role "explorer") $v.auth.admin.existingSecret }}
- name: TRACERELAY_INIT_ADMIN_EMAIL
  valueFrom:
    secretKeyRef:
      name: {{ $v.auth.admin.existingSecret }}
      key: {{ $v.auth.admin.emailKey }}
- name: TRACERELAY_INIT_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $v.auth.admin.existingSecret }}
      key: {{ $v.auth.admin.passwordKey }}
{{- end }}
{{- range $v.secretEnv }}
- name: {{ required "secretEnv[].name is required" .name }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "secretEnv %s: existingSecret is required" .name) .existingSecret }}
      key: {{ required (printf "secretEnv %s: key is required" .name) .key }}
{{- end }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}
