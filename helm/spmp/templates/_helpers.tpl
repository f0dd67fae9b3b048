{{- define "spmp.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}

{{- define "spmp.labels" -}}
app.kubernetes.io/name: spmp
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: spmp
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: web, worker, beat, migrate. */}}
{{- define "spmp.selector" -}}
app.kubernetes.io/name: spmp
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The non-secret settings, as a ConfigMap's data and as the migration job's env. */}}
{{- define "spmp.config" -}}
DJANGO_ENV: production
DJANGO_SETTINGS_MODULE: spmp_platform.settings
SPMP_DOMAIN: {{ .Values.domain | quote }}
SPMP_DATA_DIR: /var/lib/spmp
TRUSTED_PROXY_COUNT: {{ .Values.trustedProxyCount | quote }}
LOG_FORMAT: {{ .Values.logFormat | quote }}
LOG_LEVEL: {{ .Values.logLevel | quote }}
AUDIT_CHAIN_HEAD_PATH: {{ printf "%s/chain-heads.json" .Values.auditChainHead.mountPath | quote }}
EMAIL_BACKEND: {{ .Values.email.backend | quote }}
EMAIL_HOST: {{ .Values.email.host | quote }}
EMAIL_PORT: {{ .Values.email.port | quote }}
EMAIL_USE_TLS: {{ ternary "1" "0" .Values.email.useTls | quote }}
EMAIL_HOST_USER: {{ .Values.email.user | quote }}
{{- with .Values.email.from }}
DEFAULT_FROM_EMAIL: {{ . | quote }}
{{- end }}
{{- with .Values.objectStorage.bucket }}
MEDIA_BUCKET: {{ . | quote }}
{{- end }}
{{- with .Values.objectStorage.endpointUrl }}
MEDIA_ENDPOINT_URL: {{ . | quote }}
{{- end }}
{{- with .Values.objectStorage.region }}
MEDIA_REGION: {{ . | quote }}
{{- end }}
{{- with .Values.objectStorage.prefix }}
MEDIA_PREFIX: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Secret settings: references to the existing Secret only, never a value. */}}
{{- define "spmp.secretEnv" -}}
{{- range $key := list "SECRET_KEY" "AUDIT_SEAL_KEY" "REGISTRY_MATCH_KEY" "FIELD_ENCRYPTION_KEYS" "DATABASE_URL" "CELERY_BROKER_URL" "CACHE_URL" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef: {name: {{ $.Values.existingSecret }}, key: {{ $key }}}
{{- end }}
{{- range $key := list "EMAIL_HOST_PASSWORD" "AWS_ACCESS_KEY_ID" "AWS_SECRET_ACCESS_KEY" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef: {name: {{ $.Values.existingSecret }}, key: {{ $key }}, optional: true}
{{- end }}
{{- end -}}

{{/* Environment of the long-running containers: the ConfigMap, then the Secret's keys. */}}
{{- define "spmp.envFrom" -}}
envFrom:
  - configMapRef: {name: {{ .Release.Name }}-config}
env:
  {{- include "spmp.secretEnv" . | nindent 2 }}
{{- end -}}

{{- define "spmp.podSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile: {type: RuntimeDefault}
{{- end -}}

{{- define "spmp.containerSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: {drop: ["ALL"]}
{{- end -}}

{{/* Writable folders on a read-only root: /tmp and SPMP_DATA_DIR (and the chain head's). */}}
{{- define "spmp.volumeMounts" -}}
volumeMounts:
  - {name: tmp, mountPath: /tmp}
  - {name: data, mountPath: /var/lib/spmp}
  {{- if .chainHead }}
  - {name: audit-chain-head, mountPath: {{ .root.Values.auditChainHead.mountPath }}}
  {{- end }}
{{- end -}}

{{- define "spmp.volumes" -}}
volumes:
  - {name: tmp, emptyDir: {}}
  - {name: data, emptyDir: {}}
  {{- if .chainHead }}
  {{- if .root.Values.auditChainHead.existingClaim }}
  - name: audit-chain-head
    persistentVolumeClaim: {claimName: {{ .root.Values.auditChainHead.existingClaim }}}
  {{- else }}
  - {name: audit-chain-head, emptyDir: {}}
  {{- end }}
  {{- end }}
{{- end -}}

{{- define "spmp.podCommon" -}}
{{- with .Values.serviceAccount.name }}
serviceAccountName: {{ . }}
{{- end }}
automountServiceAccountToken: false
{{ include "spmp.podSecurityContext" . }}
{{- end -}}

{{- define "spmp.checksum" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- end -}}
