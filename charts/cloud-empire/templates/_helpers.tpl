{{- define "cloud-empire.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cloud-empire.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/part-of: cloud-empire
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{ include "cloud-empire.selectorLabels" . }}
{{- end -}}

{{- define "cloud-empire.selectorLabels" -}}
app.kubernetes.io/name: cloud-empire-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cloud-empire.serviceAccountName" -}}
{{- default (include "cloud-empire.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "cloud-empire.ledgerClaim" -}}
{{- default (printf "%s-ledger" (include "cloud-empire.fullname" .)) .Values.ledger.embedded.persistence.existingClaim -}}
{{- end -}}
