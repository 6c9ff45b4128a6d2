package sqs

import "github.com/evolvestack/evolvestack/internal/xmlstr"

// AppendQueryResult appends o as the awsQuery codec's writer renders it
// (element wrapper, no indentation), the same bytes
// (TestSendMessageBatchAppendQueryResult compares them), without its walk
// over the output's members by reflection.
func (o *SendMessageBatchOutput) AppendQueryResult(b []byte, wrapper string) []byte {
	b, at := xmlOpen(b, wrapper)
	for i := range o.Successful {
		e := &o.Successful[i]
		var at int
		b, at = xmlOpen(b, "SendMessageBatchResultEntry")
		b = xmlLeaf(b, "Id", e.Id)
		b = xmlLeaf(b, "MessageId", e.MessageId)
		b = xmlLeaf(b, "MD5OfMessageBody", e.MD5OfMessageBody)
		b = xmlLeaf(b, "MD5OfMessageAttributes", e.MD5OfMessageAttributes)
		b = xmlLeaf(b, "MD5OfMessageSystemAttributes", e.MD5OfMessageSystemAttributes)
		b = xmlLeaf(b, "SequenceNumber", e.SequenceNumber)
		b = xmlClose(b, at, "SendMessageBatchResultEntry")
	}
	b = appendFailedXML(b, o.Failed)
	return xmlClose(b, at, wrapper)
}

// appendFailedXML appends batch entries that failed, as the writer does.
func appendFailedXML(b []byte, failed []BatchResultErrorEntry) []byte {
	for i := range failed {
		e := &failed[i]
		var at int
		b, at = xmlOpen(b, "BatchResultErrorEntry")
		b = xmlLeaf(b, "Id", e.Id)
		if e.SenderFault != nil {
			v := "false"
			if *e.SenderFault {
				v = "true"
			}
			b = xmlLeaf(b, "SenderFault", &v)
		}
		b = xmlLeaf(b, "Code", e.Code)
		b = xmlLeaf(b, "Message", e.Message)
		b = xmlClose(b, at, "BatchResultErrorEntry")
	}
	return b
}

// xmlOpen appends <name> and returns where its content starts.
func xmlOpen(b []byte, name string) ([]byte, int) {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	return b, len(b)
}

// xmlClose ends element name opened at at: <name/> when nothing was
// written inside it, as the writer collapses childless elements.
func xmlClose(b []byte, at int, name string) []byte {
	if len(b) == at {
		return append(b[:at-1], '/', '>')
	}
	b = append(b, '<', '/')
	b = append(b, name...)
	return append(b, '>')
}

// xmlLeaf appends <name>text</name> when v is present.
func xmlLeaf(b []byte, name string, v *string) []byte {
	if v == nil {
		return b
	}
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = xmlstr.AppendEscaped(b, *v)
	b = append(b, '<', '/')
	b = append(b, name...)
	return append(b, '>')
}
