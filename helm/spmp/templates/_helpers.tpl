{{- define "spmp.env" -}}
- name: DJANGO_ENV
  value: production
- name: SPMP_DOMAIN
  value: {{ .Values.domain | quote }}
- name: DJANGO_SETTINGS_MODULE
  value: spmp_platform.settings
- name: TRUSTED_PROXY_COUNT
  value: {{ .Values.trustedProxyCount | quote }}
{{- range $key := list "SECRET_KEY" "AUDIT_SEAL_KEY" "REGISTRY_MATCH_KEY" "FIELD_ENCRYPTION_KEYS" "DATABASE_URL" "CELERY_BROKER_URL" "CACHE_URL" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.existingSecret }}
      key: {{ $key }}
{{- end }}
{{- end -}}
{{- define "spmp.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
