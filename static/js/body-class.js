// Loaded at the top of <body>: marks the page as JavaScript-capable (GOV.UK Frontend convention).
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
