{{/* Names and labels. */}}
{{- define "creditshare.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "creditshare.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "creditshare.selectorLabels" -}}
app.kubernetes.io/name: {{ include "creditshare.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "creditshare.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "creditshare.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The server pods only; the jobs carry other components so policies and selectors skip them. */}}
{{- define "creditshare.serverSelectorLabels" -}}
{{ include "creditshare.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "creditshare.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Grace = drain + 10 s unless set; the kubelet must never kill a pod that is still draining. */}}
{{- define "creditshare.terminationGrace" -}}
{{- $drain := int .Values.server.drainSeconds -}}
{{- $grace := .Values.terminationGracePeriodSeconds | default (add $drain 10) | int -}}
{{- if le $grace $drain -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be greater than server.drainSeconds (%d)" $grace $drain) -}}
{{- end -}}
{{- $grace -}}
{{- end -}}

{{/* Fixed, not configurable: the hardening every pod of this chart runs with. */}}
{{- define "creditshare.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "creditshare.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Where the Secrets are mounted; the server and admin read them through *_FILE settings. */}}
{{- define "creditshare.dbPasswordFile" -}}/etc/creditshare/db/password{{- end -}}

{{/* Database settings as plain env, for the hooks: a pre-install hook runs before the ConfigMap exists. */}}
{{- define "creditshare.dbEnv" -}}
- name: CREDITSHARE_DB_HOST
  value: {{ .Values.database.host | quote }}
- name: CREDITSHARE_DB_PORT
  value: {{ .Values.database.port | int64 | quote }}
- name: CREDITSHARE_DB_USER
  value: {{ .Values.database.user | quote }}
- name: CREDITSHARE_DB_NAME
  value: {{ .Values.database.name | quote }}
- name: CREDITSHARE_DB_PASSWORD_FILE
  value: {{ include "creditshare.dbPasswordFile" . | quote }}
{{- end -}}

{{- define "creditshare.dbPasswordVolume" -}}
- name: db-password
  secret:
    secretName: {{ .Values.secrets.dbPassword }}
    defaultMode: 0440
    items:
      - key: password
        path: password
{{- end -}}

{{- define "creditshare.dbPasswordMount" -}}
- name: db-password
  mountPath: /etc/creditshare/db
  readOnly: true
{{- end -}}

{{/* Pod-level settings shared by the Deployment and the jobs. */}}
{{- define "creditshare.podCommon" -}}
automountServiceAccountToken: false
{{- with .Values.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- include "creditshare.podSecurityContext" . | nindent 2 }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
